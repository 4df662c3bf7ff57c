//! Evidence pages: the evidence section of the case page (list, integrity warning, uploader)
//! and the item page (hashes, downloads, custody actions and the chain of custody).

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_params_map};

use super::{
    CustodyAction, CustodyEvent, CustodyInput, EvidenceItem, EvidenceKind, EvidenceRecord,
    SAMPLE_ZIP_PASSWORD,
    api::{
        DecideEvidenceDisposal, ReceiveEvidence, RequestEvidenceDisposal, SealEvidence,
        TransferEvidence, VerifyEvidence, load_evidence,
    },
    human_size,
    upload::{UploadQueue, Uploader},
};
use crate::{
    accounts::pages::RequireUser,
    components::ErrorBox,
    components::{When, action_error, browser_utc_offset_minutes},
    roles::Permission,
};

/// Shown at the top of a case whose evidence failed an integrity check.
#[component]
pub fn IntegrityWarning(items: Vec<EvidenceItem>) -> impl IntoView {
    let bad: Vec<EvidenceItem> = items.into_iter().filter(|i| !i.intact).collect();
    (!bad.is_empty()).then(|| {
        view! {
            <div class="integrity-warning" role="alert" data-testid="integrity-warning">
                <strong>"Evidence integrity failure. "</strong>
                "The stored content of "
                {bad.into_iter().map(|i| view! {
                    <A href=format!("/evidence/{}", i.evidence_id)>{i.file_name}</A>" "
                }).collect_view()}
                "no longer matches its recorded SHA-256. Downloads of it are stopped; see its chain of custody."
            </div>
        }
    })
}

/// The case page's evidence list and, for those who may add evidence, the uploader.
#[component]
pub fn EvidenceSection(
    items: Vec<EvidenceItem>,
    case_number: String,
    can_upload: bool,
    max_bytes: u64,
    closed: bool,
    uploads: UploadQueue,
) -> impl IntoView {
    view! {
        <section aria-labelledby="evidence-h">
            <h2 id="evidence-h">"Evidence ("{items.len()}")"</h2>
            {(!items.is_empty()).then(|| view! {
                <table class="data evidence">
                    <thead><tr>
                        <th scope="col">"File"</th><th scope="col">"Type"</th><th scope="col">"Size"</th>
                        <th scope="col">"SHA-256"</th><th scope="col">"Custodian"</th><th scope="col">"State"</th>
                    </tr></thead>
                    <tbody>
                        {items.into_iter().map(|i| { let state = state_label(&i); let tampered = !i.intact; view! {
                            <tr data-testid="evidence-row" class:tampered=tampered>
                                <td><A href=format!("/evidence/{}", i.evidence_id)>{i.file_name.clone()}</A></td>
                                <td>{i.kind.label()}</td>
                                <td>{human_size(i.size_bytes)}</td>
                                <td class="mono hash" data-testid="evidence-sha256">{i.sha256.clone()}</td>
                                <td>{i.custodian.clone()}</td>
                                <td>{state}</td>
                            </tr>
                        }}).collect_view()}
                    </tbody>
                </table>
            })}
            {(can_upload && !closed).then(|| view! { <Uploader queue=uploads case_number max_bytes/> })}
        </section>
    }
}

fn state_label(i: &EvidenceItem) -> String {
    let mut parts = Vec::new();
    if !i.intact {
        parts.push("INTEGRITY FAILURE");
    }
    if i.sealed {
        parts.push("sealed");
    }
    match i.disposal.as_str() {
        "disposed" => parts.push("disposed of"),
        "requested" => parts.push("disposal requested"),
        _ => {}
    }
    if parts.is_empty() {
        "held".into()
    } else {
        parts.join(", ")
    }
}

#[component]
pub fn EvidencePage() -> impl IntoView {
    view! {
        <RequireUser permission=Permission::EvidenceRead>
            <EvidenceItemView/>
        </RequireUser>
    }
}

/// Custody changes on the item page; any of them reloads it.
#[derive(Clone, Copy)]
struct ItemActions {
    transfer: ServerAction<TransferEvidence>,
    receive: ServerAction<ReceiveEvidence>,
    seal: ServerAction<SealEvidence>,
    request: ServerAction<RequestEvidenceDisposal>,
    decide: ServerAction<DecideEvidenceDisposal>,
    verify: ServerAction<VerifyEvidence>,
}

impl ItemActions {
    fn new() -> Self {
        Self {
            transfer: ServerAction::new(),
            receive: ServerAction::new(),
            seal: ServerAction::new(),
            request: ServerAction::new(),
            decide: ServerAction::new(),
            verify: ServerAction::new(),
        }
    }

    fn versions(&self) -> [usize; 6] {
        [
            self.transfer.version().get(),
            self.receive.version().get(),
            self.seal.version().get(),
            self.request.version().get(),
            self.decide.version().get(),
            self.verify.version().get(),
        ]
    }

    fn errors(&self) -> impl IntoView + use<> {
        view! {
            <div class="action-errors">
                {action_error(self.transfer.value())}
                {action_error(self.receive.value())}
                {action_error(self.seal.value())}
                {action_error(self.request.value())}
                {action_error(self.decide.value())}
                {action_error(self.verify.value())}
            </div>
        }
    }
}

#[component]
fn EvidenceItemView() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0))
    });
    let actions = ItemActions::new();
    // A download is recorded on the chain; reload shortly after one starts so it shows.
    let downloads = RwSignal::new(0u64);
    let record = Resource::new(
        move || (id.get(), actions.versions(), downloads.get()),
        |(id, _, _)| load_evidence(id),
    );
    view! {
        {actions.errors()}
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match record.await {
                    Ok(r) => view! { <ItemDetail r actions downloads/> }.into_any(),
                    Err(error) => view! { <ErrorBox error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ItemDetail(r: EvidenceRecord, actions: ItemActions, downloads: RwSignal<u64>) -> impl IntoView {
    let i = r.item.clone();
    let id = i.evidence_id;
    let live = !i.disposed();
    let downloadable = live && !i.sealed && i.intact && r.can_download;
    let after_download = move |_| {
        for ms in [800, 3000] {
            set_timeout(
                move || downloads.update(|n| *n += 1),
                std::time::Duration::from_millis(ms),
            );
        }
    };
    view! {
        <div class="page-head">
            <h1>"Evidence: "{i.file_name.clone()}</h1>
            <A href=format!("/cases/{}", i.case_number)>{format!("Case {} — {}", i.case_number, r.case_title)}</A>
        </div>
        {(!i.intact).then(|| view! {
            <p class="integrity-warning" role="alert">
                "Integrity failure: the stored content no longer matches the SHA-256 recorded on arrival. Downloads are stopped."
            </p>
        })}
        {r.legal_hold.then(|| view! { <p class="flag">"The case is on legal hold: nothing may be disposed of."</p> })}
        <dl class="facts evidence-facts">
            <dt>"Type"</dt><dd>{i.kind.label()}</dd>
            <dt>"Size"</dt><dd>{format!("{} ({} bytes)", human_size(i.size_bytes), i.size_bytes)}</dd>
            <dt>"SHA-256"</dt><dd class="mono hash" data-testid="item-sha256">{i.sha256.clone()}</dd>
            <dt>"SHA-1"</dt><dd class="mono hash">{i.sha1.clone()}</dd>
            <dt>"MD5"</dt><dd class="mono hash">{i.md5.clone()}</dd>
            <dt>"Description"</dt><dd class="prewrap">{i.description.clone()}</dd>
            <dt>"Collected from"</dt><dd>{i.collected_from.clone()}</dd>
            <dt>"Acquired"</dt><dd>{match i.acquired_at { Some(ms) => view! { <When ms/> }.into_any(), None => "not recorded".into_any() }}</dd>
            <dt>"Collected by"</dt><dd>{i.collected_by.clone()}</dd>
            <dt>"Received"</dt><dd><When ms=i.uploaded_at/>" by "{i.uploaded_by.clone()}</dd>
            <dt>"Custodian"</dt><dd data-testid="custodian">{i.custodian.clone()}</dd>
            <dt>"State"</dt><dd>{state_label(&i)}</dd>
            <dt>"Last hash check"</dt><dd>{match i.integrity_checked_at { Some(ms) => view! { <When ms/> }.into_any(), None => "never".into_any() }}</dd>
        </dl>
        <p class="evidence-links">
            {downloadable.then(|| view! {
                <a href=format!("/evidence/{id}/download") download="" rel="noopener" on:click=after_download data-testid="download">"Download"</a>
                {(i.kind == EvidenceKind::MalwareSample).then(|| view! {
                    " · "
                    <a href=format!("/evidence/{id}/download?format=zip") download="" on:click=after_download>
                        {format!("Download in an encrypted zip (password: {})", SAMPLE_ZIP_PASSWORD)}
                    </a>
                })}
                " · "
            })}
            <a href=format!("/evidence/{id}/custody-form") target="_blank" rel="noopener">"Printable custody form"</a>
            {(live && r.can_download).then(|| view! {
                " · "
                <button type="button" class="link" on:click=move |_| { actions.verify.dispatch(VerifyEvidence { evidence_id: id }); }>
                    "Verify hash now"
                </button>
            })}
        </p>
        {(live && r.can_change_custody).then(|| view! { <CustodyForms item=i.clone() actions/> })}
        {(i.disposal == "requested" && r.can_decide_disposal).then(|| view! { <DisposalDecision id actions/> })}
        <section aria-labelledby="custody-h">
            <h2 id="custody-h">"Chain of custody"</h2>
            <table class="data custody-log">
                <thead><tr>
                    <th scope="col">"When"</th><th scope="col">"Action"</th><th scope="col">"From"</th>
                    <th scope="col">"To"</th><th scope="col">"Reason"</th><th scope="col">"Recorded by"</th>
                </tr></thead>
                <tbody>
                    {r.custody.into_iter().map(|e| view! { <CustodyRow e/> }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[component]
fn CustodyRow(e: CustodyEvent) -> impl IntoView {
    let alarm = e.action == CustodyAction::HashMismatch;
    view! {
        <tr data-testid="custody-event" class:tampered=alarm>
            <td><When ms=e.occurred_at/></td>
            <td data-testid="custody-action">{e.action.label()}</td>
            <td>{e.from_party.unwrap_or_default()}</td>
            <td>{e.to_party.unwrap_or_default()}</td>
            <td>{e.reason}</td>
            <td>{e.recorded_by}{e.recorded_from_ip.map(|ip| format!(" ({ip})"))}</td>
        </tr>
    }
}

/// Transfer, receive, seal or unseal, and ask for disposal.
#[component]
fn CustodyForms(item: EvidenceItem, actions: ItemActions) -> impl IntoView {
    let id = item.evidence_id;
    let party = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let when = RwSignal::new(String::new());
    let input = move || CustodyInput {
        party: party.get_untracked(),
        reason: reason.get_untracked(),
        occurred_at: when.get_untracked(),
        utc_offset_minutes: browser_utc_offset_minutes(),
    };
    let seal_reason = RwSignal::new(String::new());
    let dispose_reason = RwSignal::new(String::new());
    let sealed = item.sealed;
    let requested = item.disposal == "requested";
    view! {
        <section aria-labelledby="custody-change-h" class="custody-forms">
            <h2 id="custody-change-h">"Record custody"</h2>
            <form class="inline-form" on:submit=move |ev| {
                ev.prevent_default();
                actions.transfer.dispatch(TransferEvidence { evidence_id: id, input: input() });
            }>
                <label>"Transfer to"<input type="text" bind:value=party placeholder="person, team or laboratory" data-testid="transfer-to"/></label>
                <label>"Reason"<input type="text" bind:value=reason data-testid="transfer-reason"/></label>
                <label>"When (blank: now)"<input type="datetime-local" bind:value=when/></label>
                <button type="submit">"Record transfer"</button>
                <button type="button" on:click=move |_| {
                    actions.receive.dispatch(ReceiveEvidence { evidence_id: id, input: input() });
                }>"I received it"</button>
            </form>
            <form class="inline-form" on:submit=move |ev| {
                ev.prevent_default();
                actions.seal.dispatch(SealEvidence { evidence_id: id, sealed: !sealed, reason: seal_reason.get_untracked() });
            }>
                <label>{if sealed { "Reason for breaking the seal" } else { "Seal number or reason" }}
                    <input type="text" bind:value=seal_reason/></label>
                <button type="submit">{if sealed { "Unseal" } else { "Seal" }}</button>
            </form>
            {(!requested).then(|| view! {
                <form class="inline-form" on:submit=move |ev| {
                    ev.prevent_default();
                    actions.request.dispatch(RequestEvidenceDisposal { evidence_id: id, reason: dispose_reason.get_untracked() });
                }>
                    <label>"Reason for disposal"<input type="text" bind:value=dispose_reason/></label>
                    <button type="submit">"Request disposal"</button>
                    <span class="muted">" A manager other than you must approve it."</span>
                </form>
            })}
        </section>
    }
}

#[component]
fn DisposalDecision(id: i64, actions: ItemActions) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let decide = move |approve: bool| {
        actions.decide.dispatch(DecideEvidenceDisposal {
            evidence_id: id,
            approve,
            reason: reason.get_untracked(),
        });
    };
    view! {
        <section aria-labelledby="disposal-h" class="panel">
            <h2 id="disposal-h">"Disposal awaiting your decision"</h2>
            <label>"Reason"<input type="text" bind:value=reason/></label>
            <button type="button" on:click=move |_| decide(true)>"Approve disposal"</button>
            <button type="button" on:click=move |_| decide(false)>"Reject"</button>
        </section>
    }
}
