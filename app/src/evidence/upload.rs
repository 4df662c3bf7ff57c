//! The browser uploader: drop or pick several files, give them a type and the shared collection
//! details, and send them one after another with a progress bar each. XMLHttpRequest, because
//! `fetch` reports no upload progress; the body streams from disk, never whole into memory.

use leptos::prelude::*;

use super::{EvidenceKind, human_size};

/// Where one file stands.
#[derive(Debug, Clone, PartialEq)]
pub enum RowState {
    Waiting,
    Uploading,
    /// Stored; the SHA-256 the server computed on arrival.
    Done(String),
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct UploadRow {
    pub id: u32,
    pub name: String,
    pub size: f64,
    pub kind: String,
    /// 0.0 to 1.0.
    pub progress: f64,
    pub state: RowState,
}

/// The uploader's state. It lives above the part of the case page that reloads on every change,
/// so uploads in flight survive a colleague's edit (and their own completion).
#[derive(Clone, Copy)]
pub struct UploadQueue {
    rows: RwSignal<Vec<UploadRow>>,
    #[cfg(feature = "hydrate")]
    files: StoredValue<Vec<(u32, web_sys::File)>, LocalStorage>,
    #[cfg(feature = "hydrate")]
    next_id: StoredValue<u32>,
    description: RwSignal<String>,
    collected_from: RwSignal<String>,
    acquired_at: RwSignal<String>,
    collected_by: RwSignal<String>,
    /// Bumped after each finished upload so the case reloads.
    #[cfg(feature = "hydrate")]
    reload: RwSignal<u64>,
}

impl UploadQueue {
    pub fn new(reload: RwSignal<u64>) -> Self {
        #[cfg(not(feature = "hydrate"))]
        let _ = reload;
        Self {
            rows: RwSignal::new(Vec::new()),
            #[cfg(feature = "hydrate")]
            files: StoredValue::new_local(Vec::new()),
            #[cfg(feature = "hydrate")]
            next_id: StoredValue::new(1),
            description: RwSignal::new(String::new()),
            collected_from: RwSignal::new(String::new()),
            acquired_at: RwSignal::new(String::new()),
            collected_by: RwSignal::new(String::new()),
            #[cfg(feature = "hydrate")]
            reload,
        }
    }

    #[cfg(feature = "hydrate")]
    fn add_files(&self, list: Option<web_sys::FileList>, max_bytes: u64) {
        let Some(list) = list else { return };
        for i in 0..list.length() {
            let Some(file) = list.get(i) else { continue };
            let id = self.next_id.get_value();
            self.next_id.set_value(id + 1);
            let name = file.name();
            self.rows.update(|rows| {
                rows.push(UploadRow {
                    id,
                    kind: EvidenceKind::guess(&name).as_str().to_owned(),
                    name,
                    size: file.size(),
                    progress: 0.0,
                    state: if file.size() > max_bytes as f64 {
                        RowState::Failed(format!(
                            "Larger than the evidence size limit of {}; not sent.",
                            human_size(max_bytes as i64)
                        ))
                    } else {
                        RowState::Waiting
                    },
                })
            });
            self.files.update_value(|f| f.push((id, file)));
        }
    }

    fn set_row(&self, id: u32, f: impl FnOnce(&mut UploadRow)) {
        self.rows.update(|rows| {
            if let Some(r) = rows.iter_mut().find(|r| r.id == id) {
                f(r);
            }
        });
    }

    fn busy(&self) -> bool {
        self.rows
            .with(|rows| rows.iter().any(|r| r.state == RowState::Uploading))
    }
}

#[component]
pub fn Uploader(queue: UploadQueue, case_number: String, max_bytes: u64) -> impl IntoView {
    let dragging = RwSignal::new(false);
    let number = StoredValue::new(case_number);
    let start = move |_| {
        if !queue.busy() {
            send_next(queue, number.get_value());
        }
    };
    let waiting = move || {
        queue
            .rows
            .with(|rows| rows.iter().filter(|r| r.state == RowState::Waiting).count())
    };
    view! {
        <div class="uploader">
            <div class="drop-zone" class:dragging=move || dragging.get() data-testid="drop-zone"
                on:dragover=move |ev| { ev.prevent_default(); dragging.set(true); }
                on:dragleave=move |_| dragging.set(false)
                on:drop=move |ev| {
                    ev.prevent_default();
                    dragging.set(false);
                    #[cfg(feature = "hydrate")]
                    queue.add_files(ev.data_transfer().and_then(|d| d.files()), max_bytes);
                    #[cfg(not(feature = "hydrate"))]
                    let _ = ev;
                }>
                <p>"Drop evidence files here (up to "{human_size(max_bytes as i64)}" each), or "</p>
                <label>"choose files "
                    <input type="file" multiple data-testid="evidence-files" on:change=move |ev| {
                        #[cfg(feature = "hydrate")]
                        {
                            let input = event_target::<web_sys::HtmlInputElement>(&ev);
                            queue.add_files(input.files(), max_bytes);
                            input.set_value("");
                        }
                        #[cfg(not(feature = "hydrate"))]
                        let _ = ev;
                    }/>
                </label>
            </div>
            <fieldset class="upload-meta">
                <legend>"Collection details (for every file below)"</legend>
                <label>"Collected from (host or system)"
                    <input type="text" bind:value=queue.collected_from placeholder="e.g. WS-042"/></label>
                <label>"Acquired at (your local time)"
                    <input type="datetime-local" bind:value=queue.acquired_at/></label>
                <label>"Collected by"
                    <input type="text" bind:value=queue.collected_by placeholder="you"/></label>
                <label>"Description"
                    <textarea rows="2" bind:value=queue.description></textarea></label>
            </fieldset>
            <ul class="upload-rows">
                {move || queue.rows.get().into_iter()
                    .map(|row| view! { <UploadRowView row queue/> }).collect_view()}
            </ul>
            <button type="button" on:click=start disabled=move || waiting() == 0 || queue.busy()>
                {move || match waiting() { 1 => "Upload 1 file".to_owned(), n => format!("Upload {n} files") }}
            </button>
        </div>
    }
}

#[component]
fn UploadRowView(row: UploadRow, queue: UploadQueue) -> impl IntoView {
    let id = row.id;
    let editable = row.state == RowState::Waiting;
    let label = format!("Upload progress of {}", row.name);
    view! {
        <li class="upload-row" data-testid="upload-row">
            <span class="file-name">{row.name.clone()}</span>" "
            <span class="muted">{human_size(row.size as i64)}</span>" "
            <select aria-label=format!("Type of {}", row.name) disabled=!editable
                on:change=move |ev| { let v = event_target_value(&ev); queue.set_row(id, |r| r.kind = v); }>
                {EvidenceKind::ALL.into_iter().map(|k| view! {
                    <option value=k.as_str() selected=k.as_str() == row.kind>{k.label()}</option>
                }).collect_view()}
            </select>
            <progress max="1" value=row.progress aria-label=label></progress>
            {match row.state {
                RowState::Waiting => view! { <span class="muted">"waiting"</span> }.into_any(),
                RowState::Uploading => view! {
                    <span>{format!("{:.0} %", row.progress * 100.0)}</span>
                }.into_any(),
                RowState::Done(sha256) => view! {
                    <span class="ok" data-testid="upload-done">"stored · SHA-256 "
                        <code class="mono">{sha256}</code></span>
                }.into_any(),
                RowState::Failed(message) => view! {
                    <span class="error" role="alert">{message}</span>
                }.into_any(),
            }}
        </li>
    }
}

/// Starts the first waiting upload; each one starts the next when it ends.
fn send_next(queue: UploadQueue, case_number: String) {
    #[cfg(feature = "hydrate")]
    {
        let next = queue.rows.with_untracked(|rows| {
            rows.iter()
                .find(|r| r.state == RowState::Waiting)
                .map(|r| (r.id, r.kind.clone()))
        });
        let Some((id, kind)) = next else { return };
        let file = queue
            .files
            .with_value(|f| f.iter().find(|(i, _)| *i == id).map(|(_, f)| f.clone()));
        let Some(file) = file else { return };
        queue.set_row(id, |r| r.state = RowState::Uploading);
        if let Err(message) = xhr_upload(queue, id, &case_number, &kind, &file) {
            queue.set_row(id, |r| r.state = RowState::Failed(message));
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (queue, case_number);
}

#[cfg(feature = "hydrate")]
fn xhr_upload(
    queue: UploadQueue,
    id: u32,
    case_number: &str,
    kind: &str,
    file: &web_sys::File,
) -> Result<(), String> {
    use wasm_bindgen::{JsCast, closure::Closure};
    let fail = |_| "The browser could not start the upload.".to_owned();
    let form = web_sys::FormData::new().map_err(fail)?;
    let fields = [
        ("kind", kind.to_owned()),
        ("description", queue.description.get_untracked()),
        ("collected_from", queue.collected_from.get_untracked()),
        ("acquired_at", queue.acquired_at.get_untracked()),
        ("collected_by", queue.collected_by.get_untracked()),
        (
            "utc_offset_minutes",
            crate::components::browser_utc_offset_minutes().to_string(),
        ),
    ];
    for (name, value) in fields {
        form.append_with_str(name, &value).map_err(fail)?;
    }
    form.append_with_blob_and_filename("file", file, &file.name())
        .map_err(fail)?;
    let xhr = web_sys::XmlHttpRequest::new().map_err(fail)?;
    let url = format!("/cases/{case_number}/evidence");
    xhr.open_with_async("POST", &url, true).map_err(fail)?;
    let on_progress =
        Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
            if e.length_computable() && e.total() > 0.0 {
                let fraction = e.loaded() / e.total();
                queue.set_row(id, |r| r.progress = fraction);
            }
        });
    xhr.upload()
        .map_err(fail)?
        .set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    on_progress.forget();
    let number = case_number.to_owned();
    let done_xhr = xhr.clone();
    let on_end = Closure::once_into_js(move || {
        let status = done_xhr.status().unwrap_or(0);
        let text = done_xhr.response_text().ok().flatten().unwrap_or_default();
        let state = if status == 201 {
            match serde_json::from_str::<super::EvidenceItem>(&text) {
                Ok(item) => RowState::Done(item.sha256),
                Err(_) => RowState::Failed(
                    "Stored, but the answer could not be read; reload the page.".into(),
                ),
            }
        } else {
            RowState::Failed(error_message(status, &text))
        };
        queue.set_row(id, |r| {
            if matches!(state, RowState::Done(_)) {
                r.progress = 1.0;
            }
            r.state = state;
        });
        queue.reload.update(|n| *n += 1);
        send_next(queue, number);
    });
    xhr.set_onloadend(Some(on_end.unchecked_ref()));
    xhr.send_with_opt_form_data(Some(&form)).map_err(fail)?;
    Ok(())
}

/// The server's message from a `{"error": {"message"}}` body, or a sentence for the status.
#[cfg(feature = "hydrate")]
fn error_message(status: u16, body: &str) -> String {
    let message = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(str::to_owned));
    match (message, status) {
        (Some(m), _) => m,
        (None, 0) => {
            "The connection was lost before the upload finished; nothing was stored.".into()
        }
        (None, 413) => "The file is over the evidence size limit.".into(),
        (None, s) => format!("The upload failed (HTTP {s})."),
    }
}
