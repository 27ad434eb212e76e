// The dApp's entry: load config.json, start the page.
import './style.css';

import { App } from './app.js';
import { loadConfig } from './config.js';

loadConfig()
  .then((config) => new App(config).start())
  .catch((e: unknown) => {
    document.getElementById('app')!.textContent = `Cannot start: ${e instanceof Error ? e.message : String(e)}`;
  });
