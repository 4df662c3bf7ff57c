"""Custom fields through the real thehive4py 2.x client: definitions listed and created,
customFields on alerts and cases in TheHive's list and object shapes, carried by a promotion,
set by a case update, unknown names refused as TheHive refuses them. Run by
server/tests/thehive_api.rs; the field `businessUnit` (enum Finance/HR, cases and alerts) is
defined beforehand. Environment: CF_URL, CF_TOKEN (alerts and cases), CF_ADMIN_TOKEN."""

import os
import sys

from thehive4py import TheHiveApi
from thehive4py.errors import TheHiveError

URL = os.environ["CF_URL"] + "/thehive"
hive = TheHiveApi(url=URL, apikey=os.environ["CF_TOKEN"], max_retries=0)
admin = TheHiveApi(url=URL, apikey=os.environ["CF_ADMIN_TOKEN"], max_retries=0)


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


def values(record):
    return {f["name"]: f["value"] for f in record.get("customFields", [])}


defs = hive.custom_field.list()
bu = [d for d in defs if d["name"] == "businessUnit"]
check(len(bu) == 1 and bu[0]["type"] == "string" and bu[0]["options"] == ["Finance", "HR"], "custom fields listed as TheHive lists them")
created = admin.custom_field.create({"name": "hostCount", "displayName": "Hosts hit", "group": "soc",
                                     "description": "Hosts the incident touched", "type": "integer"})
check(created["name"] == "hostCount" and created["type"] == "integer", "a custom field created through TheHive's API")
listed = hive.query.run([{"_name": "listCustomField"}])
check({"businessUnit", "hostCount"} <= {d["name"] for d in listed}, "listCustomField query")


def alert(ref, **extra):
    body = {"type": "siem", "source": "splunk", "sourceRef": ref, "title": f"Impossible travel {ref}",
            "description": "Sign-ins from two continents", "severity": 2}
    body.update(extra)
    return body


a1 = hive.alert.create(alert("cf-1", customFields=[{"name": "businessUnit", "value": "HR", "order": 0},
                                                    {"name": "hostCount", "value": 2}]))
check(values(a1) == {"businessUnit": "HR", "hostCount": 2}, "customFields as a list of {name, value, order}")
a2 = hive.alert.create(alert("cf-2", customFields={"businessUnit": "Finance"}))
check(values(hive.alert.get(a2["_id"])) == {"businessUnit": "Finance"}, "customFields as an object of values")
unknown = fails(lambda: hive.alert.create(alert("cf-3", customFields={"regulator": "yes"})), "NotFoundError", "regulator")
check(unknown.startswith("NotFoundError"), f"an unknown custom field is refused as TheHive refuses it ({unknown})")
bad = fails(lambda: hive.alert.create(alert("cf-4", customFields={"businessUnit": "Marketing"})), "businessUnit")
check(bad.startswith("BadRequest"), f"a value outside the options is refused, naming the field ({bad})")
check(hive.alert.count() == 2, "and neither refused alert was stored")

case = hive.alert.promote_to_case(a1["_id"])
check(values(case) == {"businessUnit": "HR", "hostCount": 2}, "promotion carries the alert's custom fields")
hive.case.update(case["_id"], {"customFields": [{"name": "hostCount", "value": 5}]})
check(values(hive.case.get(case["_id"]))["hostCount"] == 5, "a case update sets a custom field")
c2 = hive.case.create({"title": "Lost laptop", "description": "Reported by HR", "severity": 2,
                       "customFields": {"businessUnit": "HR"}})
check(values(c2) == {"businessUnit": "HR"}, "a case created with customFields")
found = hive.case.find()
check(any(values(c) == {"businessUnit": "HR"} for c in found), "cases found carry their custom fields")
# Case templates: the shipped playbooks are templates, applied on create and on promotion.
templates = hive.query.run([{"_name": "listCaseTemplate"}])
phishing = [t for t in templates if t["name"] == "Phishing"]
check(len(phishing) == 1 and phishing[0]["titlePrefix"] == "[Phishing] " and phishing[0]["tasks"], "listCaseTemplate lists the shipped templates with their tasks")
c3 = hive.case.create({"title": "Invoice lure", "description": "Reported by finance", "severity": 3,
                       "caseTemplate": "Phishing", "customFields": {"businessUnit": "Finance"}})
check(c3["title"] == "[Phishing] Invoice lure" and c3["severity"] == 3, "caseTemplate shapes a new case; what was sent wins")
check(len(hive.case.find_tasks(c3["_id"])) == len(phishing[0]["tasks"]), "with the template's tasks")
a3 = hive.alert.create(alert("cf-5", customFields={"businessUnit": "HR"}))
promoted = hive.alert.promote_to_case(a3["_id"], {"caseTemplate": "Phishing"})
check(promoted["title"] == "[Phishing] Impossible travel cf-5", "caseTemplate on promotion")
missing = fails(lambda: hive.case.create({"title": "x", "description": "y", "caseTemplate": "Nope"}), "NotFoundError")
check(missing.startswith("NotFoundError"), f"an unknown template is refused ({missing})")
print("thehive4py fields flow passed")
