//! What follows every change, whoever makes it: the listeners the journal runs inside each
//! change's transaction. The one list of them; every platform is built with it.

use futures::future::BoxFuture;

use crate::platform::{
    Listeners, Result, Tx,
    listeners::{Audited, Recorded},
};

/// The listeners every Casefile process runs.
pub fn listeners() -> Listeners {
    Listeners {
        audited: vec![webhook_messages],
        recorded: vec![sla_clocks],
    }
}

/// Every audited change may be one a webhook asked to hear about.
fn webhook_messages<'a>(tx: &'a mut Tx, e: &'a Audited<'a>) -> BoxFuture<'a, Result<()>> {
    Box::pin(crate::outbox::service::on_audited(tx, e))
}

/// Timeline entries start, stop and acknowledge the case's SLA clocks.
fn sla_clocks<'a>(tx: &'a mut Tx, e: &'a Recorded<'a>) -> BoxFuture<'a, Result<()>> {
    Box::pin(crate::sla::service::on_recorded(tx, e))
}
