//! The pipeline: Chainlink's `observationSource`, a DOT graph of tasks.
//!
//! Tasks are `name [type="..." key="value" ...]`; edges are `a -> b -> c`. Attribute values are
//! quoted strings with `\"` and `\\` escapes, or bare words. Tasks run in dependency order
//! (ties in the order they were declared), as a node runs them.

use std::collections::BTreeMap;

use crate::Error;

/// The task types this runner implements (the ones the PX job uses).
pub const TASK_TYPES: [&str; 6] =
    ["ethabidecodelog", "cborparse", "bridge", "jsonparse", "ethabiencode", "ethtx"];

/// One task of the pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    /// Its name, by which later tasks refer to its output.
    pub name: String,
    /// Its type (`ethabidecodelog`, ...).
    pub kind: String,
    /// Its other attributes, uninterpolated.
    pub attrs: BTreeMap<String, String>,
}

impl Task {
    /// An attribute, or a task error naming it.
    ///
    /// # Errors
    /// [`Error::Task`] when the attribute is missing.
    pub fn attr(&self, key: &str) -> Result<&str, Error> {
        self.attrs.get(key).map(String::as_str).ok_or_else(|| Error::Task {
            task: self.name.clone(),
            kind: self.kind.clone(),
            message: format!("missing attribute {key}"),
        })
    }
}

/// A parsed pipeline, its tasks in run order.
#[derive(Debug, Clone)]
pub struct Pipeline {
    order: Vec<Task>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Quoted(String),
    Open,
    Close,
    Equals,
    Arrow,
    Separator,
}

fn tokenize(source: &str) -> Result<Vec<Token>, Error> {
    let mut tokens = Vec::new();
    let mut chars = source.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '[' | ']' | '=' | ';' | ',' => {
                chars.next();
                tokens.push(match c {
                    '[' => Token::Open,
                    ']' => Token::Close,
                    '=' => Token::Equals,
                    _ => Token::Separator,
                });
            }
            '-' => {
                chars.next();
                if chars.next() != Some('>') {
                    return Err(Error::Pipeline("a lone '-' (edges are written ->)".into()));
                }
                tokens.push(Token::Arrow);
            }
            '"' => {
                chars.next();
                let mut value = String::new();
                loop {
                    match chars.next() {
                        None => return Err(Error::Pipeline("unterminated string".into())),
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(escaped @ ('"' | '\\')) => value.push(escaped),
                            Some(other) => {
                                value.push('\\');
                                value.push(other);
                            }
                            None => return Err(Error::Pipeline("unterminated string".into())),
                        },
                        Some(other) => value.push(other),
                    }
                }
                tokens.push(Token::Quoted(value));
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_alphanumeric() || c == '_' || c == '.' {
                        word.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                if word.is_empty() {
                    return Err(Error::Pipeline(format!("unexpected character {c:?}")));
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

impl Pipeline {
    /// Parses an `observationSource`.
    ///
    /// # Errors
    /// [`Error::Pipeline`] for a syntax error, an unknown task type, an edge to an undeclared
    /// task, or a cycle.
    pub fn parse(source: &str) -> Result<Self, Error> {
        let tokens = tokenize(source)?;
        let mut tasks: Vec<Task> = Vec::new();
        let mut edges: Vec<(String, String)> = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            let Token::Word(name) = &tokens[i] else {
                if tokens[i] == Token::Separator {
                    i += 1;
                    continue;
                }
                return Err(Error::Pipeline(format!(
                    "expected a task name, found {:?}",
                    tokens[i]
                )));
            };
            match tokens.get(i + 1) {
                Some(Token::Open) => {
                    let (task, next) = parse_task(name, &tokens, i + 2)?;
                    tasks.push(task);
                    i = next;
                }
                Some(Token::Arrow) => {
                    let mut from = name.clone();
                    i += 1;
                    while tokens.get(i) == Some(&Token::Arrow) {
                        let Some(Token::Word(to)) = tokens.get(i + 1) else {
                            return Err(Error::Pipeline(format!("edge from {from} has no target")));
                        };
                        edges.push((std::mem::replace(&mut from, to.clone()), to.clone()));
                        i += 2;
                    }
                }
                _ => return Err(Error::Pipeline(format!("{name} is neither a task nor an edge"))),
            }
        }
        Ok(Self { order: order(tasks, &edges)? })
    }

    /// The tasks in the order they run.
    pub fn order(&self) -> &[Task] {
        &self.order
    }
}

fn parse_task(name: &str, tokens: &[Token], mut i: usize) -> Result<(Task, usize), Error> {
    let mut attrs = BTreeMap::new();
    loop {
        match tokens.get(i) {
            Some(Token::Close) => break,
            Some(Token::Separator) => i += 1,
            Some(Token::Word(key)) => {
                if tokens.get(i + 1) != Some(&Token::Equals) {
                    return Err(Error::Pipeline(format!("{name}: attribute {key} has no value")));
                }
                let value = match tokens.get(i + 2) {
                    Some(Token::Quoted(v) | Token::Word(v)) => v.clone(),
                    _ => {
                        return Err(Error::Pipeline(format!(
                            "{name}: attribute {key} has no value"
                        )));
                    }
                };
                attrs.insert(key.clone(), value);
                i += 3;
            }
            other => {
                return Err(Error::Pipeline(format!("{name}: unexpected {other:?} in attributes")));
            }
        }
    }
    let kind =
        attrs.remove("type").ok_or_else(|| Error::Pipeline(format!("task {name} has no type")))?;
    if !TASK_TYPES.contains(&kind.as_str()) {
        return Err(Error::Pipeline(format!("task {name}: type {kind} is not supported")));
    }
    Ok((Task { name: name.to_owned(), kind, attrs }, i + 1))
}

/// Kahn's algorithm, taking ready tasks in declaration order.
fn order(tasks: Vec<Task>, edges: &[(String, String)]) -> Result<Vec<Task>, Error> {
    for (from, to) in edges {
        for end in [from, to] {
            if !tasks.iter().any(|t| &t.name == end) {
                return Err(Error::Pipeline(format!("edge names an undeclared task {end}")));
            }
        }
    }
    let mut remaining = tasks;
    let mut done: Vec<Task> = Vec::new();
    while !remaining.is_empty() {
        let ready = remaining.iter().position(|t| {
            edges.iter().all(|(from, to)| to != &t.name || done.iter().any(|d| &d.name == from))
        });
        let Some(index) = ready else {
            return Err(Error::Pipeline("the pipeline has a cycle".into()));
        };
        done.push(remaining.remove(index));
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_tasks_by_their_edges() {
        let p = Pipeline::parse(
            r#"
            c [type="jsonparse" path="a" data="$(b)"]
            b [type="jsonparse" path="a" data="$(a)"]
            a [type="jsonparse" path="a" data="{}"]
            a -> b -> c
            "#,
        )
        .unwrap();
        let names: Vec<_> = p.order().iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
    }

    #[test]
    fn unescapes_quoted_attributes() {
        let p = Pipeline::parse(
            r#"x [type="bridge" name=adapter requestData="{\"id\": $(a), \"p\": \"\\\\\"}"]"#,
        )
        .unwrap();
        let task = &p.order()[0];
        assert_eq!(task.attrs["requestData"], r#"{"id": $(a), "p": "\\"}"#);
        assert_eq!(task.attrs["name"], "adapter");
    }

    #[test]
    fn error_when_a_task_type_is_unsupported() {
        let err = Pipeline::parse(r#"x [type="http" url="http://x"]"#).unwrap_err();
        assert!(matches!(err, Error::Pipeline(m) if m.contains("http")));
    }

    #[test]
    fn error_when_an_edge_names_an_unknown_task() {
        let err = Pipeline::parse(r#"a [type="jsonparse" path="p" data="{}"] a -> b"#).unwrap_err();
        assert!(matches!(err, Error::Pipeline(m) if m.contains("undeclared task b")));
    }

    #[test]
    fn error_when_the_graph_has_a_cycle() {
        let err = Pipeline::parse(
            r#"a [type="jsonparse" path="p" data="{}"] b [type="jsonparse" path="p" data="{}"] a -> b -> a"#,
        )
        .unwrap_err();
        assert!(matches!(err, Error::Pipeline(m) if m.contains("cycle")));
    }

    #[test]
    fn error_when_a_string_is_unterminated() {
        assert!(Pipeline::parse(r#"a [type="jsonparse" path="p"#).is_err());
    }
}
