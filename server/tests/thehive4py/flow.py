"""Drives Casefile's TheHive-compatible API with the real thehive4py client, as SIEM
integrations do. Run by server/tests/thehive_api.rs against a live server; exits non-zero on
the first failed check. Environment: CF_URL, CF_TOKEN, CF_USER, CF_PASSWORD, CF_READONLY_TOKEN."""

import hashlib
import os
import sys
import tempfile

from thehive4py import TheHiveApi
from thehive4py.errors import TheHiveError
from thehive4py.query.filters import Between, Eq, Gt, In, Like, Lt
from thehive4py.query.page import Paginate
from thehive4py.query.sort import Asc, Desc

URL = os.environ["CF_URL"] + "/thehive"
hive = TheHiveApi(url=URL, apikey=os.environ["CF_TOKEN"], max_retries=0)


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def fails(fn, *words):
    try:
        fn()
    except TheHiveError as e:
        text = str(e)
        missing = [w for w in words if w not in text]
        return text if not missing else f"error lacked {missing}: {text}"
    return "no error"


def alert(ref, **extra):
    body = {
        "type": "siem", "source": "wazuh", "sourceRef": ref, "title": f"SSH brute force {ref}",
        "description": "Many failed logins on web-01", "severity": 3, "tags": ["ssh", "rule:5710"],
        "tlp": 2, "pap": 2, "date": 1_700_000_000_000,
        "observables": [
            {"dataType": "ip", "data": "203.0.113.7"},
            {"dataType": "domain", "data": ["evil[.]example", "bad.example"]},
            {"dataType": "hash", "data": "d41d8cd98f00b204e9800998ecf8427e", "tags": ["md5"]},
        ],
    }
    body.update(extra)
    return body


# Alerts: create, conventions in the output, duplicates refused without duplicating.
a1 = hive.alert.create(alert("tf-1"))
check(a1["_id"].startswith("~") and a1["_type"] == "Alert", "alert ids look like TheHive's")
check(a1["severity"] == 3 and a1["severityLabel"] == "HIGH", "severity 1-4 round-trips")
check(a1["status"] == "New" and a1["observableCount"] == 4, "new alert with 4 observables")
check(isinstance(a1["_createdAt"], int) and a1["_createdBy"], "_createdAt and _createdBy present")
dup = fails(lambda: hive.alert.create(alert("tf-1")), "CreateError", "already exists")
check(dup.startswith("CreateError"), f"a duplicate is refused as TheHive does ({dup})")
check(hive.alert.count(filters=Eq("sourceRef", "tf-1")) == 1, "and nothing was duplicated")
bad = fails(lambda: hive.alert.create({"type": "siem", "source": "x", "sourceRef": "y", "title": "t"}), "BadRequest")
check(bad.startswith("BadRequest") and "description" in bad, f"a missing field is named ({bad})")
bad = fails(lambda: hive.alert.create(alert("tf-bad", severity=7)), "severity")
check(bad.startswith("BadRequest"), f"severity outside 1-4 is refused ({bad})")
bad = fails(lambda: hive.alert.create(alert("tf-bad2", observables=[{"dataType": "ip", "data": "999.1.1.1"}])), "observables[0]")
check(bad.startswith("BadRequest"), f"an invalid observable is refused ({bad})")

# Multipart with a file observable: the file is hashed on arrival.
with tempfile.NamedTemporaryFile("wb", suffix=".exe", delete=False) as f:
    f.write(b"MZ not really malware")
    sample = f.name
want = hashlib.sha256(b"MZ not really malware").hexdigest()
a2 = hive.alert.create(
    alert("tf-2", observables=[{"dataType": "file", "attachment": "sample", "tags": ["malware"]}]),
    attachment_map={"sample": sample},
)
obs = hive.alert.find_observables(a2["_id"])
check(any(o["dataType"] == "hash" and o["data"] == want for o in obs), "multipart file observable hashed (SHA-256)")
check(any(o["dataType"] == "filename" and o["data"] == os.path.basename(sample) for o in obs), "and its file name kept")
added = hive.alert.create_observable(a2["_id"], {"dataType": "url", "data": "hxxp://evil[.]example/x"})
check(added[0]["data"] == "http://evil.example/x", "observable added to an alert, refanged")

# Read, update, delete.
got = hive.alert.get(a1["_id"])
check(got["title"] == "SSH brute force tf-1" and got["tags"] == ["ssh", "rule:5710"], "alert read back")
hive.alert.update(a1["_id"], {"title": "SSH brute force (tuned)", "addTags": ["tuned"], "severity": 4})
got = hive.alert.get(a1["_id"])
check(got["title"] == "SSH brute force (tuned)" and "tuned" in got["tags"] and got["severity"] == 4, "alert updated")
a3 = hive.alert.create(alert("tf-3"))
hive.alert.delete(a3["_id"])
gone = fails(lambda: hive.alert.get(a3["_id"]), "NotFoundError")
check(gone.startswith("NotFoundError"), f"deleted alert is gone ({gone})")

# Queries: filters, sort, page, count.
for ref in ("tf-4", "tf-5", "tf-6"):
    hive.alert.create(alert(ref, severity=1 if ref == "tf-6" else 2))
found = hive.alert.find(filters=Eq("source", "wazuh") & ~Eq("sourceRef", "tf-1"), sortby=Asc("sourceRef"))
check([a["sourceRef"] for a in found] == ["tf-2", "tf-4", "tf-5", "tf-6"], "_and / _not / sort asc")
found = hive.alert.find(filters=Eq("sourceRef", "tf-4") | Eq("sourceRef", "tf-6"))
check(sorted(a["sourceRef"] for a in found) == ["tf-4", "tf-6"], "_or")
found = hive.alert.find(filters=In("sourceRef", ["tf-5", "tf-6", "nope"]))
check(len(found) == 2, "_in")
found = hive.alert.find(filters=Like("title", "*tuned*"))
check([a["sourceRef"] for a in found] == ["tf-1"], "_like with wildcards")
check(hive.alert.count(filters=Gt("severity", 2)) == 2, "_gt on severity (TheHive levels)")
check(hive.alert.count(filters=Lt("severity", 2)) == 1, "_lt on severity")
created = [a["_createdAt"] for a in hive.alert.find()]
check(hive.alert.count(filters=Between("_createdAt", min(created), max(created) + 1)) == len(created), "_between on dates")
page = hive.alert.find(sortby=Desc("sourceRef"), paginate=Paginate(start=1, end=3))
check([a["sourceRef"] for a in page] == ["tf-5", "tf-4"], "sort desc and page")
check(len(hive.alert.find_observables(a1["_id"])) == 4, "alert observables sub-query")
check(hive.alert.count(filters=Eq("tags", "rule:5710")) == 5, "tags filter")

# Promote, merge, bulk merge.
case = hive.alert.promote_to_case(a1["_id"])
check(case["_type"] == "Case" and case["title"] == "SSH brute force (tuned)" and case["severity"] == 4, "alert promoted to a case")
check(case["extraData"]["caseNumber"].startswith("CF-"), "case carries Casefile's number")
check(hive.alert.get(a1["_id"])["status"] == "Imported", "promoted alert shows as imported")
again = fails(lambda: hive.alert.promote_to_case(a1["_id"]), "already in case")
check(again.startswith("ConflictError"), f"promoting twice is refused ({again})")
merged = hive.alert.merge_into_case(a2["_id"], case["_id"])
check(merged["_id"] == case["_id"], "alert merged into the case")
four = hive.alert.find(filters=Eq("sourceRef", "tf-4"))[0]
five = hive.alert.find(filters=Eq("sourceRef", "tf-5"))[0]
hive.alert.bulk_merge_into_case(case["_id"], [four["_id"], five["_id"]])
check(hive.alert.get(five["_id"]).get("caseId") == case["_id"], "bulk merge links the alerts")
case_obs = hive.case.find_observables(case["_id"])
values = {o["data"] for o in case_obs}
check({"203.0.113.7", "evil.example", want, "http://evil.example/x"} <= values, "case holds the alerts' observables once")
check(len(case_obs) == len(values), "no observable twice on the case")

# Cases by hand, tasks, logs, observables, update and close.
c2 = hive.case.create({"title": "Phishing wave", "description": "Reported by users", "severity": 2, "tags": ["phishing"],
                       "tasks": [{"title": "Collect headers", "group": "triage"}, {"title": "Block sender", "group": "containment"}]})
check(c2["status"] == "New" and c2["severity"] == 2, "case created")
tasks = hive.case.find_tasks(c2["_id"], sortby=Asc("title"))
check([t["title"] for t in tasks] == ["Block sender", "Collect headers"], "case tasks sub-query")
task = hive.case.create_task(c2["_id"], {"title": "Reset credentials", "group": "containment"})
check(task["status"] == "Waiting", "task added")
log = hive.task.create_log(task["_id"], {"message": "Reset for 3 users"})
check(log["message"] == "Reset for 3 users" and log["_type"] == "Log", "task log added")
check([l["message"] for l in hive.task.find_logs(task["_id"])] == ["Reset for 3 users"], "task logs sub-query")
hive.task.update(task["_id"], {"status": "Completed"})
check(hive.task.get(task["_id"])["status"] == "Completed", "task completed")
o = hive.case.create_observable(c2["_id"], {"dataType": "mail", "data": ["ceo@evil.example", "hr@evil.example"], "ioc": True, "message": "senders"})
check(len(o) == 2 and all(x["ioc"] for x in o), "case observables, data as a list")
hive.case.update(c2["_id"], {"title": "Phishing wave (finance)", "status": "InProgress"})
got = hive.case.get(c2["_id"])
check(got["title"] == "Phishing wave (finance)" and got["status"] == "InProgress", "case updated")
check(hive.case.get(got["extraData"]["caseNumber"])["_id"] == c2["_id"], "case found by its number")
check(hive.case.count(filters=Eq("status", "InProgress")) == 1, "case status filter")
check(len(hive.case.find(filters=Like("title", "*finance*"))) == 1, "case find")
nosummary = fails(lambda: hive.case.update(c2["_id"], {"status": "TruePositive"}), "summary")
check(nosummary.startswith("BadRequest"), f"closing needs a summary ({nosummary})")
hive.case.update(c2["_id"], {"status": "TruePositive", "impactStatus": "NoImpact", "summary": "Blocked at the gateway."})
got = hive.case.get(c2["_id"])
check(got["status"] == "TruePositive" and got["stage"] == "Closed" and got["impactStatus"] == "NoImpact", "case closed")

# Unsupported things say so.
nope = fails(lambda: hive.query.run([{"_name": "listOrganisation"}]), "not supported")
check(nope.startswith("BadRequest"), f"unsupported query operation explained ({nope})")

# HTTP Basic with a Casefile account; wrong password refused.
basic = TheHiveApi(url=URL, username=os.environ["CF_USER"], password=os.environ["CF_PASSWORD"], max_retries=0)
check(basic.case.count() == 2, "HTTP Basic with a Casefile account")
wrong = TheHiveApi(url=URL, username=os.environ["CF_USER"], password="wrong password!", max_retries=0)
denied = fails(lambda: wrong.case.count(), "AuthenticationError")
check(denied.startswith("AuthenticationError"), f"wrong password refused ({denied})")

# A read-only token cannot change anything.
ro = TheHiveApi(url=URL, apikey=os.environ["CF_READONLY_TOKEN"], max_retries=0)
check(len(ro.alert.find()) >= 4, "read-only token reads alerts")
forbidden = fails(lambda: ro.alert.create(alert("tf-ro")), "AuthorizationError")
check(forbidden.startswith("AuthorizationError"), f"read-only token cannot create ({forbidden})")
print("thehive4py flow passed")
