"""Drives Casefile's TheHive 3/4 (v0) API with the real thehive4py 1.8.1, as the Wazuh script,
Shuffle's TheHive app and other TheHive 3/4 integrations do, against the bare server URL (no
/thehive prefix). thehive4py 1.x never raises on an HTTP error, so every answer's status code and
shape is checked here as such an integration reads them. Run by server/tests/thehive_api.rs;
exits non-zero on the first failed check. Environment: CF_URL, CF_TOKEN, CF_READONLY_TOKEN,
CF_USER, CF_PASSWORD."""

import hashlib
import io
import os
import sys
import tempfile

import requests

from thehive4py.api import TheHiveApi
from thehive4py.models import Alert, AlertArtifact, Case, CaseObservable, CaseTask, CaseTaskLog
from thehive4py.query import And, Between, ContainsString, Eq, Gt, In, Not, Parent, Id, String

URL = os.environ["CF_URL"]
api = TheHiveApi(URL, os.environ["CF_TOKEN"], organisation="soc")


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def answered(res, status, what):
    check(res.status_code == status, f"{what}: HTTP {res.status_code} (want {status}) {res.text[:300]}")
    return res.json() if res.content and res.headers.get("content-type", "").startswith("application/json") else None


# The client's own health and credential checks.
check(api.health().status_code == 200, "GET /api/health answers 200")
me = answered(api.get_current_user(), 200, "GET /api/user/current")
check(me["id"] and me["_id"], "the current user has id and _id")
status = answered(requests.get(URL + "/api/status"), 200, "GET /api/status")
check("TheHive" in status["versions"], "the status names a TheHive version")

# Alerts as the Wazuh script sends them: artifacts, Markdown description, success only on 201.
ips = ["203.0.113.7", "198.51.100.23"]
artifacts = [
    AlertArtifact(dataType="ip", data=ips[0], message="source", tags=["src"], ioc=True),
    AlertArtifact(dataType="domain", data="evil.example"),
    AlertArtifact(dataType="file", data=(io.BytesIO(b"MZ\x90\x00 malware sample"), "dropper.exe")),
]
wazuh = Alert(
    title="Wazuh: multiple authentication failures",
    tlp=2, severity=3, tags=["wazuh", "rule=5710"],
    description="| field | value |\n|---|---|\n| agent | web-01 |",
    type="wazuh_alert", source="wazuh", sourceRef="w-5710-1", artifacts=artifacts,
)
a1 = answered(api.create_alert(wazuh), 201, "POST /api/alert creates (201, as Wazuh requires)")
check(a1["id"].startswith("~") and a1["id"] == a1["_id"], "the answer carries id and _id")
check(a1["status"] == "New" and a1["_type"] == "alert", "a new alert is New, _type alert")
check(isinstance(a1["createdAt"], int) and a1["createdBy"], "createdAt (ms) and createdBy")
kinds = sorted(a["dataType"] for a in a1["artifacts"])
check(kinds == ["domain", "filename", "hash", "ip"], f"artifacts kept, the file as name and hash ({kinds})")
sha = [a["data"] for a in a1["artifacts"] if a["dataType"] == "hash"][0]
check(sha == hashlib.sha256(b"MZ\x90\x00 malware sample").hexdigest(), "the file artifact's SHA-256")

dup = api.create_alert(wazuh)
body = answered(dup, 400, "a repeated sourceRef is refused")
check(body["type"] == "CreateError", "as TheHive refuses it (CreateError)")

for n in range(2, 5):
    answered(api.create_alert(Alert(
        title=f"Port scan {n}", type="ids", source="suricata", sourceRef=f"s-{n}",
        description="Scan from outside", severity=n % 4 + 1, tags=["scan"],
        artifacts=[AlertArtifact(dataType="ip", data=ips[1])],
    )), 201, f"alert s-{n}")

# Search with the v0 query language, range and sort.
res = api.find_alerts(query=Eq("source", "suricata"), range="all", sort=["-createdAt"])
found = answered(res, 200, "POST /api/alert/_search")
check(len(found) == 3 and res.headers["X-Total"] == "3", "three suricata alerts, X-Total 3")
check(found[0]["sourceRef"] == "s-4", "sorted newest first")
found = answered(api.find_alerts(query=And(Eq("source", "suricata"), Gt("severity", 1)),
                                 range="0-1", sort=["+sourceRef"]), 200, "a ranged search")
check(len(found) == 1 and found[0]["sourceRef"] == "s-2", "range 0-1 gives one, sorted by sourceRef")
found = answered(api.find_alerts(query=ContainsString("title", "*authentication*")), 200, "wildcard")
check([a["id"] for a in found] == [a1["id"]], "a wildcard on the title finds the Wazuh alert")
found = answered(api.find_alerts(query=And(In("sourceRef", ["s-2", "s-3"]), Not(Eq("sourceRef", "s-3")))),
                 200, "_in and _not")
check([a["sourceRef"] for a in found] == ["s-2"], "_in minus _not")
found = answered(api.find_alerts(query=Between("severity", 1, 3)), 200, "_between")
check(all(1 <= a["severity"] < 3 for a in found) and found, "_between is from-inclusive, to-exclusive")
found = answered(api.find_alerts(query=String("source:wazuh")), 200, "_string")
check(len(found) == 1, "a query string field:value")
bad = answered(api.find_alerts(query={"_regexp": {"title": ".*"}}), 400, "an unknown criterion")
check("_regexp" in bad["message"], "is refused naming it")

# Read, update, read/unread.
got = answered(api.get_alert(a1["id"]), 200, "GET /api/alert/{id}")
check(got["title"] == wazuh.title and len(got["artifacts"]) == 4, "the alert with its artifacts")
upd = answered(api.update_alert(a1["id"], Alert(json={**got, "tags": ["wazuh", "ssh"]}), fields=["tags"]),
               200, "PATCH /api/alert/{id}")
check(sorted(upd["tags"]) == ["ssh", "wazuh"], "tags updated")
s2 = [a for a in api.find_alerts(query=Eq("sourceRef", "s-2")).json()][0]
read = answered(api.mark_alert_as_read(s2["id"]), 200, "markAsRead")
check(read["status"] == "Ignored", "a read alert is Ignored")
check(api.find_alerts(query=Eq("status", "Ignored")).headers["X-Total"] == "1", "status Ignored searchable")
unread = answered(api.mark_alert_as_unread(s2["id"]), 200, "markAsUnread")
check(unread["status"] == "New", "and unread it is New again")
answered(api.create_alert(Alert(title="t", type="x", source="x", sourceRef="to-delete",
                                description="d")), 201, "an alert to delete")
gone = [a for a in api.find_alerts(query=Eq("sourceRef", "to-delete")).json()][0]
check(api.delete_alert(gone["id"]).status_code == 204, "DELETE /api/alert/{id}")
check(api.get_alert(gone["id"]).status_code == 404, "the deleted alert is gone")

# Promote, then work the case.
case = answered(api.promote_alert_to_case(a1["id"]), 201, "createCase promotes (201)")
check(case["_type"] == "case" and case["status"] == "Open", "an Open case")
check(api.get_alert(a1["id"]).json()["status"] == "Imported", "the alert is Imported")
found = answered(api.find_alerts(query=Eq("status", "Imported")), 200, "Imported alerts")
check([a["id"] for a in found] == [a1["id"]], "status Imported searchable")

obs = answered(api.get_case_observables(case["id"]), 200, "the case's artifacts (a _parent query)")
check(sorted(o["data"] for o in obs if o["dataType"] == "ip") == [ips[0]], "the alert's ip became a case artifact")
new_obs = answered(api.create_case_observable(case["id"], CaseObservable(
    dataType="ip", data=["192.0.2.10", "192.0.2.11"], message="lateral movement", ioc=True, tlp=2)),
    201, "POST /api/case/{id}/artifact")
check(isinstance(new_obs, list) and len(new_obs) == 2 and new_obs[0]["ioc"], "one artifact per value")
file_obs = answered(api.create_case_observable(case["id"], CaseObservable(
    dataType="file", data=(io.BytesIO(b"second sample"), "payload.bin"), message="from the host")),
    201, "a file artifact (multipart _json + attachment)")
check({o["dataType"] for o in file_obs} == {"filename", "hash"}, "recorded as name and hash")
one = answered(api.get_case_observable(new_obs[0]["id"]), 200, "GET /api/case/artifact/{id}")
check(one["data"] == "192.0.2.10" and one["_parent"] == case["id"], "the artifact and its case")
ioc = answered(api.find_observables(query=And(Eq("ioc", True), Parent("case", Id(case["id"])))),
               200, "artifact search")
check(sorted(o["data"] for o in ioc) == ["192.0.2.10", "192.0.2.11"], "the case's IOCs")

task = answered(api.create_case_task(case["id"], CaseTask(title="Isolate web-01", group="containment",
                                                          description="Pull the cable")),
                201, "POST /api/case/{id}/task")
check(task["status"] == "Waiting" and task["_type"] == "case_task", "a Waiting task")
log = answered(api.create_task_log(task["id"], CaseTaskLog(message="Host isolated at 10:02")),
               201, "POST /api/case/task/{id}/log")
check(log["message"] == "Host isolated at 10:02", "the log")
with tempfile.NamedTemporaryFile("wb", suffix=".txt", delete=False) as f:
    f.write(b"netstat -ano output")
with_file = answered(api.create_task_log(task["id"], CaseTaskLog(message="Connections at isolation",
                                                                 file=f.name)),
                     201, "a task log with a file (multipart)")
check("Attached: " + os.path.basename(f.name) in with_file["message"], "the file is named in the log")
logs = answered(api.get_task_logs(task["id"]), 200, "the task's logs")
check([l["id"] for l in logs] == [log["id"], with_file["id"]], "two logs")
done = answered(api.update_case_task(CaseTask(id=task["id"], status="Completed"), fields=["status"]),
                200, "PATCH /api/case/task/{id}")
check(done["status"] == "Completed", "the task is Completed")
tasks = answered(api.get_case_tasks(case["id"]), 200, "the case's tasks")
check([t["title"] for t in tasks] == ["Isolate web-01"], "one task")
found = answered(api.find_cases(query={"_child": {"_type": "case_task",
                                                  "_query": {"_field": "status", "_value": "Completed"}}}),
                 200, "a _child query")
check([c["id"] for c in found] == [case["id"]], "the case with a completed task")

# A case made directly, with tasks, as Velociraptor and SOAR playbooks do.
direct = Case(title="Phishing wave", description="Reported by three users", severity=2, tags=["phishing"],
              tasks=[CaseTask(title="Collect headers"), CaseTask(title="Block sender")])
c2 = answered(api.create_case(direct), 201, "POST /api/case")
check(c2["caseId"] and c2["id"] == c2["_id"], "caseId, id and _id")
check(len(api.get_case_tasks(c2["id"]).json()) == 2, "its two tasks")
helper = api.case(c2["id"])
check(helper.title == "Phishing wave" and helper.status == "Open", "thehive4py's case helper reads it")
s3 = api.find_alerts(query=Eq("sourceRef", "s-3")).json()[0]
merged = answered(api.merge_alert_into_case(s3["id"], c2["id"]), 200, "merge/{caseId}")
check(merged["id"] == c2["id"], "the alert joined the case")
check(api.get_alert(s3["id"]).json()["case"] == c2["id"], "and names it")
links = answered(api.get_linked_cases(c2["id"]), 200, "GET /api/case/{id}/links")
check(isinstance(links, list), "linked cases")
found = answered(api.find_cases(query=Eq("status", "Open"), range="all", sort=["-startDate"]), 200, "case search")
check(len(found) == 2, "two open cases")
templates = answered(api.find_case_templates(query={}), 200, "case templates")
check({"Phishing", "Ransomware"} <= {t["name"] for t in templates}, "the shipped playbooks are case templates")
phishing = api.get_case_template("Phishing")
check(phishing["name"] == "Phishing" and phishing["titlePrefix"] == "[Phishing] " and phishing["tasks"], "a template by name, with its tasks")

# Closing: Resolved with a resolution, refused without a summary. thehive4py sends the case's
# attributes named in `fields`; its Case constructor does not take the closing ones.
def closing(case_id, **attrs):
    c = Case(id=case_id)
    c.__dict__.update(attrs)
    return c


refused = answered(api.update_case(closing(c2["id"], status="Resolved", resolutionStatus="TruePositive"),
                                   fields=["status", "resolutionStatus"]), 400, "a close without summary")
check("summary" in refused["message"], "is refused, saying what is missing")
check(api.get_case(c2["id"]).json()["status"] == "Open", "and the refused close changed nothing")
closed = answered(api.update_case(closing(c2["id"], status="Resolved", resolutionStatus="TruePositive",
                                          impactStatus="WithImpact", summary="Sender blocked, mailboxes purged"),
                                  fields=["status", "resolutionStatus", "impactStatus", "summary"]),
                  200, "PATCH status Resolved")
check(closed["status"] == "Resolved" and closed["resolutionStatus"] == "TruePositive"
      and closed["impactStatus"] == "WithImpact", "the case is Resolved, true positive with impact")
check(api.find_cases(query=Eq("status", "Resolved")).headers["X-Total"] == "1", "Resolved searchable")
check(answered(api.delete_case(c2["id"]), 400, "DELETE /api/case")["type"] == "BadRequest",
      "cases are never deleted")

# Other credentials: Basic with a Casefile account; a read-only token.
basic = TheHiveApi(URL, os.environ["CF_USER"], os.environ["CF_PASSWORD"])
check(answered(basic.get_case(case["id"]), 200, "Basic auth reads a case")["id"] == case["id"], "same case")
ro = TheHiveApi(URL, os.environ["CF_READONLY_TOKEN"])
denied = answered(ro.create_alert(Alert(title="t", type="x", source="x", sourceRef="ro", description="d")),
                  403, "a read-only token cannot post")
check(denied["type"] == "AuthorizationError", "AuthorizationError")
check(answered(TheHiveApi(URL, "not-a-token").get_current_user(), 401, "a wrong key")["type"]
      == "AuthenticationError", "AuthenticationError")

print("thehive4py 1.8.1 flow passed")
