//! TheHive request bodies and their translation into Casefile's checked inputs: alerts,
//! observables (`data` as a string or a list; `file` observables from multipart parts, hashed
//! as they stream in, or inline as TheHive 3/4's `name;mime;base64`), cases and tasks.

use std::collections::HashMap;

use app::{
    alerts::{NewAlert, Observable},
    fields::ValueMap,
    observables::{self, ObservableType},
    platform::locker::{Locker, Staged},
    platform::{Error, Result},
    thehive::model,
    validate::{check_level, check_tags, optional, required},
};
use axum::{
    body::Bytes,
    extract::{FromRequest, Multipart, Request, rejection::JsonRejection},
    http::header,
};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// A JSON body that did not parse, said plainly.
pub fn json_error(e: JsonRejection) -> Error {
    Error::invalid(format!(
        "The body is not valid JSON for this request: {}",
        e.body_text()
    ))
}

/// A JSON body read whatever its `Content-Type` says (TheHive's clients label JSON as form data
/// or not at all); an empty body is `{}`, as on TheHive's action routes.
pub fn lenient_json<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T> {
    let text =
        std::str::from_utf8(body).map_err(|_| Error::invalid("The body is not UTF-8 JSON."))?;
    let text = if text.trim().is_empty() { "{}" } else { text };
    serde_json::from_str(text)
        .map_err(|e| Error::invalid(format!("Not a valid TheHive {what}: {e}.")))
}

/// A field that clients send as `null` when they mean "none": read as its default.
pub fn nullable<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A status sent as a string or, by thehive4py 1.8.1's `TaskStatus.COMPLETED` (a tuple), as a
/// one-element list.
pub fn status_text<'de, D>(d: D) -> std::result::Result<Option<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Ok(match Option::<Data>::deserialize(d)? {
        None => None,
        Some(Data::One(s)) => Some(s),
        Some(Data::Many(v)) => v.into_iter().next(),
    })
}

/// `data`: one value or several.
#[derive(Deserialize, Clone)]
#[serde(untagged)]
pub enum Data {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct InputObservable {
    pub data_type: String,
    #[serde(default)]
    pub data: Option<Data>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub tlp: Option<i64>,
    #[serde(default)]
    pub ioc: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    pub tags: Vec<String>,
    /// For `file` observables: the multipart part holding the file.
    #[serde(default)]
    pub attachment: Option<Value>,
}

/// A file part of a request, hashed while it streamed in and, when a locker was given,
/// staged there for the caller to keep.
pub struct FilePart {
    pub file_name: String,
    pub sha256: String,
    pub staged: Option<Staged>,
}

/// The files of a request, by part name.
pub type Files = HashMap<String, FilePart>;

/// Takes the staged files out of a request's files, for the caller to keep.
pub fn staged_files(files: Files) -> Vec<(String, Staged)> {
    files
        .into_values()
        .filter_map(|f| f.staged.map(|s| (f.file_name, s)))
        .collect()
}

/// Moves TheHive 3/4's inline file artifacts (`name;mime;base64`) into `files`, staged in the
/// locker like multipart parts, so they are checked and kept the same way.
pub async fn stage_inline(
    items: &mut [InputObservable],
    locker: &Locker,
    files: &mut Files,
) -> Result<()> {
    for (i, o) in items.iter_mut().enumerate() {
        if !o.data_type.trim().eq_ignore_ascii_case("file") {
            continue;
        }
        let Some(Data::One(inline)) = &o.data else {
            continue;
        };
        let (file_name, bytes) =
            decode_inline(inline).map_err(|e| Error::invalid(format!("observables[{i}]: {e}")))?;
        let body =
            futures::stream::once(
                async move { Ok::<_, std::convert::Infallible>(Bytes::from(bytes)) },
            );
        let staged = locker.stage(Box::pin(body)).await?;
        // Unique across both calls (observables, then artifacts).
        let key = format!("inline file {}", files.len());
        files.insert(
            key.clone(),
            FilePart {
                file_name,
                sha256: staged.digests.sha256.clone(),
                staged: Some(staged),
            },
        );
        o.data = None;
        o.attachment = Some(Value::String(key));
    }
    Ok(())
}

impl InputObservable {
    /// One checked observable per value; a `file` observable becomes its file name and SHA-256.
    pub fn check(
        &self,
        files: &HashMap<String, FilePart>,
        index: usize,
    ) -> Result<Vec<Observable>> {
        let at = |e: String| Error::invalid(format!("observables[{index}]: {e}"));
        let tags = check_tags(&self.tags).map_err(at)?;
        if let Some(t) = self.tlp {
            check_level("tlp", t).map_err(at)?;
        }
        if self.data_type.trim().eq_ignore_ascii_case("file") {
            if let Some(Data::One(inline)) = &self.data {
                let file = inline_file(inline).map_err(at)?;
                return Ok(file_observables(&file, tags));
            }
            let key = match &self.attachment {
                Some(Value::String(k)) => k.clone(),
                _ => "attachment".to_owned(),
            };
            let file = files.get(&key).ok_or_else(|| {
                at(format!(
                    "a file observable needs a multipart part named \u{201c}{key}\u{201d}."
                ))
            })?;
            return Ok(file_observables(file, tags));
        }
        let kind = model::data_type_from(&self.data_type);
        let values = match &self.data {
            Some(Data::One(v)) => vec![v.clone()],
            Some(Data::Many(v)) if !v.is_empty() => v.clone(),
            _ => {
                return Err(at(
                    "`data` is required: a string or a list of strings.".into()
                ));
            }
        };
        values
            .iter()
            .map(|v| {
                Ok(Observable {
                    kind,
                    value: observables::normalize(kind, v).map_err(at)?,
                    tags: tags.clone(),
                })
            })
            .collect()
    }
}

/// A file observable as Casefile records it: its name and its SHA-256.
fn file_observables(file: &FilePart, tags: Vec<String>) -> Vec<Observable> {
    vec![
        Observable {
            kind: ObservableType::Filename,
            value: file.file_name.clone(),
            tags: tags.clone(),
        },
        Observable {
            kind: ObservableType::Hash,
            value: file.sha256.clone(),
            tags,
        },
    ]
}

/// TheHive 3/4's inline file artifact, `name;mime;base64`, as its name and content.
fn decode_inline(data: &str) -> std::result::Result<(String, Vec<u8>), String> {
    let mut parts = data.splitn(3, ';');
    let (Some(name), Some(_mime), Some(encoded)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err("a file artifact's `data` is \u{201c}name;mime;base64\u{201d}.".into());
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| "the file artifact's content is not valid base64.".to_owned())?;
    Ok((optional("file name", name, 255)?, bytes))
}

/// An inline file artifact hashed without keeping it (no locker at hand).
fn inline_file(data: &str) -> std::result::Result<FilePart, String> {
    let (file_name, bytes) = decode_inline(data)?;
    Ok(FilePart {
        file_name,
        sha256: format!("{:x}", Sha256::digest(&bytes)),
        staged: None,
    })
}

/// An "add observable" request as read: the observable as sent, its checked values, and the
/// files it carried, staged in the locker.
pub struct ObservableRequest {
    pub observable: InputObservable,
    pub checked: Vec<Observable>,
    pub files: Vec<(String, Staged)>,
}

/// Reads an "add observable" request (JSON, or multipart with `_json` and an `attachment`).
pub async fn observable_request(req: Request, locker: &Locker) -> Result<ObservableRequest> {
    let (json, mut files) = json_or_multipart(req, Some(locker)).await?;
    let mut o: InputObservable = serde_json::from_str(&json)
        .map_err(|e| Error::invalid(format!("Not a valid TheHive observable: {e}.")))?;
    stage_inline(std::slice::from_mut(&mut o), locker, &mut files).await?;
    let checked = check_observables(std::slice::from_ref(&o), &files)?;
    Ok(ObservableRequest {
        observable: o,
        checked,
        files: staged_files(files),
    })
}

/// Most observable values (counting each entry of a `data` list) in one request.
const MAX_OBSERVABLE_VALUES: usize = 500;

/// Epoch-millisecond dates Casefile accepts: 1970 to the year 2200.
const MAX_DATE_MS: i64 = 7_258_118_400_000;

/// Checks a list of observables, dropping repeats.
pub fn check_observables(
    items: &[InputObservable],
    files: &HashMap<String, FilePart>,
) -> Result<Vec<Observable>> {
    let values: usize = items
        .iter()
        .map(|o| match &o.data {
            Some(Data::Many(v)) => v.len(),
            _ => 1,
        })
        .sum();
    if values > MAX_OBSERVABLE_VALUES {
        return Err(Error::invalid(format!(
            "At most {MAX_OBSERVABLE_VALUES} observable values per request."
        )));
    }
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<Observable> = Vec::new();
    for (i, o) in items.iter().enumerate() {
        for checked in o.check(files, i)? {
            if seen.insert((checked.kind, checked.value.clone())) {
                out.push(checked);
            }
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InputAlert {
    #[serde(rename = "type")]
    pub alert_type: String,
    pub source: String,
    pub source_ref: String,
    pub title: String,
    pub description: String,
    #[serde(default)]
    pub severity: Option<i64>,
    #[serde(default)]
    pub date: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    pub tags: Vec<String>,
    #[serde(default)]
    pub tlp: Option<i64>,
    #[serde(default)]
    pub pap: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    pub observables: Vec<InputObservable>,
    /// TheHive 3/4's name for `observables`.
    #[serde(default, deserialize_with = "nullable")]
    pub artifacts: Vec<InputObservable>,
    #[serde(default, deserialize_with = "custom_fields")]
    pub custom_fields: ValueMap,
}

/// TheHive's answer to a custom field it does not know: 404, `CustomField <name> not found`.
pub async fn known_custom_fields(
    p: &app::platform::Platform,
    target: app::fields::Target,
    values: &ValueMap,
) -> Result<()> {
    if values.is_empty() {
        return Ok(());
    }
    let unknown =
        app::fields::service::unknown_names(p, target, values.keys().map(String::as_str)).await?;
    match unknown.first() {
        Some(name) => Err(Error::not_found(format!("CustomField {name} not found"))),
        None => Ok(()),
    }
}

/// `customFields` in each shape TheHive takes: a list of `{name, value, order}` (TheHive 5,
/// thehive4py 2), an object of values `{name: value}` (n8n), or an object of typed values
/// `{name: {order, string: value}}` (TheHive 3/4, ElastAlert). Read as values by name.
pub fn custom_fields<'de, D>(d: D) -> std::result::Result<ValueMap, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::de::Error as _;
    let typed = |name: &str, v: Value| -> std::result::Result<Value, D::Error> {
        let Value::Object(mut o) = v else {
            return Ok(v);
        };
        if let Some(v) = o.remove("value") {
            return Ok(v);
        }
        o.remove("order");
        match o.into_iter().next() {
            Some((_, v)) => Ok(v),
            None => Err(D::Error::custom(format!(
                "customFields.{name}: no value (expected {{\"string\": \"…\"}} or a plain value)"
            ))),
        }
    };
    let mut out = ValueMap::new();
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.into_iter().enumerate() {
                let Value::Object(mut o) = item else {
                    return Err(D::Error::custom(format!(
                        "customFields[{i}] must be an object with `name` and `value`"
                    )));
                };
                let Some(Value::String(name)) = o.remove("name") else {
                    return Err(D::Error::custom(format!("customFields[{i}] has no `name`")));
                };
                let v = o.remove("value").unwrap_or(Value::Null);
                out.insert(name, v);
            }
        }
        Some(Value::Object(o)) => {
            for (name, v) in o {
                let v = typed(&name, v)?;
                out.insert(name, v);
            }
        }
        Some(_) => {
            return Err(D::Error::custom(
                "customFields must be a list of {name, value} or an object of values by name",
            ));
        }
    }
    Ok(out)
}

/// The detection rule, when an integration names it in a tag (`rule:5710` or `rule=5710`).
fn rule_from_tags(tags: &[String]) -> String {
    tags.iter()
        .find_map(|t| t.strip_prefix("rule:").or_else(|| t.strip_prefix("rule=")))
        .map(|r| r.trim().chars().take(300).collect())
        .unwrap_or_default()
}

impl InputAlert {
    pub fn check(self, raw: String, files: &HashMap<String, FilePart>) -> Result<NewAlert> {
        let invalid = Error::Invalid;
        let tags = check_tags(&self.tags).map_err(invalid)?;
        Ok(NewAlert {
            alert_type: required("type", &self.alert_type, 200).map_err(invalid)?,
            source: required("source", &self.source, 200).map_err(invalid)?,
            source_ref: required("sourceRef", &self.source_ref, 500).map_err(invalid)?,
            rule: rule_from_tags(&tags),
            title: required("title", &self.title, 500).map_err(invalid)?,
            description: required("description", &self.description, 100_000).map_err(invalid)?,
            severity: model::severity_from(self.severity.unwrap_or(2)).map_err(invalid)?,
            tlp: check_level("tlp", self.tlp.unwrap_or(2)).map_err(invalid)?,
            pap: check_level("pap", self.pap.unwrap_or(2)).map_err(invalid)?,
            occurred_at: self
                .date
                .map(|d| {
                    if (0..=MAX_DATE_MS).contains(&d) {
                        Ok(d)
                    } else {
                        Err(Error::invalid(
                            "`date` must be epoch milliseconds between 1970 and 2200.",
                        ))
                    }
                })
                .transpose()?,
            observables: check_observables(&[self.observables, self.artifacts].concat(), files)?,
            tags,
            raw: Some(raw),
            custom_fields: self.custom_fields,
        })
    }
}

/// A request that may be JSON or multipart (`_json` part plus file parts): the JSON text and
/// the files, hashed as they stream so no file is held in memory, and staged in `locker` when
/// one is given.
pub async fn json_or_multipart(req: Request, locker: Option<&Locker>) -> Result<(String, Files)> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let bytes = Bytes::from_request(req, &()).await.map_err(|e| {
            Error::invalid(format!("The body could not be read: {}", e.body_text()))
        })?;
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| Error::invalid("The body is not UTF-8 JSON."))?;
        return Ok((text, HashMap::new()));
    }
    let mut multipart = Multipart::from_request(req, &()).await.map_err(|e| {
        Error::invalid(format!(
            "The multipart body is malformed: {}",
            e.body_text()
        ))
    })?;
    let mut json = None;
    let mut files = HashMap::new();
    while let Some(mut field) = multipart.next_field().await.map_err(|e| {
        Error::invalid(format!(
            "The multipart body is malformed: {}",
            e.body_text()
        ))
    })? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "_json" {
            json = Some(field.text().await.map_err(|e| {
                Error::invalid(format!(
                    "The `_json` part could not be read: {}",
                    e.body_text()
                ))
            })?);
            continue;
        }
        let file_name = field.file_name().unwrap_or("attachment").to_owned();
        let file_name = optional("file name", &file_name, 255).map_err(Error::Invalid)?;
        let part = match locker {
            Some(locker) => {
                let staged = locker.stage(Box::pin(field)).await?;
                FilePart {
                    file_name,
                    sha256: staged.digests.sha256.clone(),
                    staged: Some(staged),
                }
            }
            None => {
                let mut hasher = Sha256::new();
                while let Some(chunk) = field.chunk().await.map_err(|e| {
                    Error::invalid(format!(
                        "The file part \u{201c}{name}\u{201d} could not be read: {}",
                        e.body_text()
                    ))
                })? {
                    hasher.update(&chunk);
                }
                FilePart {
                    file_name,
                    sha256: format!("{:x}", hasher.finalize()),
                    staged: None,
                }
            }
        };
        files.insert(name, part);
    }
    let json = json.ok_or_else(|| Error::invalid("A multipart request needs a `_json` part."))?;
    Ok((json, files))
}
