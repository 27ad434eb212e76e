/** Checks the node's answers against the schemas generated from `node/openapi.json`. */
import { ProtocolError } from '../errors.js';
import { schemas, type Schemas } from '../generated/node-api.js';

interface Shape {
  readonly types?: readonly string[];
  readonly ref?: string;
  readonly enum?: readonly string[];
  readonly items?: Shape;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function check(value: unknown, shape: Shape, where: string): void {
  if (shape.ref) {
    checkSchema(value, shape.ref as keyof Schemas, where);
    return;
  }
  const actual = typeOf(value);
  const types = shape.types ?? [];
  if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) {
    throw new ProtocolError(`${where} is ${actual}, the API says ${types.join(' or ')}`);
  }
  if (shape.enum && typeof value === 'string' && !shape.enum.includes(value)) {
    throw new ProtocolError(`${where} is ${JSON.stringify(value)}, not one of ${shape.enum.join(', ')}`);
  }
  if (shape.items && Array.isArray(value)) value.forEach((item, i) => check(item, shape.items!, `${where}[${i}]`));
}

function checkSchema(value: unknown, name: keyof Schemas, where: string): void {
  const schema = schemas[name] as { properties: Record<string, Shape>; required: readonly string[] };
  if (typeOf(value) !== 'object') throw new ProtocolError(`${where} is not a ${name} object`);
  const obj = value as Record<string, unknown>;
  for (const prop of schema.required) {
    if (!(prop in obj)) throw new ProtocolError(`${where} (${name}) has no ${prop}`);
  }
  for (const [prop, shape] of Object.entries(schema.properties)) {
    if (prop in obj) check(obj[prop], shape, `${where}.${prop}`);
  }
}

/** `value` as the schema `name`, or a {@link ProtocolError} naming the first mismatch. */
export function decode<N extends keyof Schemas>(name: N, value: unknown, where = 'response'): Schemas[N] {
  checkSchema(value, name, where);
  return value as Schemas[N];
}
