#!/usr/bin/env python3
"""Owns app/data/attack/enterprise-attack.json: regenerates that compact list of
MITRE Enterprise ATT&CK tactics and techniques from MITRE's published STIX 2.1
bundle (enterprise-attack.json). Python 3 standard library only.

Usage:
    python3 app/data/attack/refresh.py PATH_OR_URL [--source LABEL]
                                       [--generated YYYY-MM-DD] [--out FILE]

PATH_OR_URL is a local file or an http(s) URL of MITRE's Enterprise bundle.
MITRE publishes the current one at
    https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/enterprise-attack/enterprise-attack.json
and each release as enterprise-attack/enterprise-attack-<VERSION>.json in the
same repository. --source is a free label for where the bundle came from (e.g.
a package name@version); it defaults to PATH_OR_URL. The ATT&CK version, spec
version and collection date are read from the bundle itself and appended.
--generated defaults to today's date (UTC). --out defaults to
enterprise-attack.json beside this script.

What is written:
    {"source": "...", "generated": "YYYY-MM-DD",
     "tactics": [{"id", "short_name", "name"}, ...]      kill-chain order, from
                 the enterprise x-mitre-matrix object's tactic_refs
     "techniques": [{"id", "name", "tactics": [short_name, ...]}, ...]}
                 every attack-pattern (techniques and sub-techniques), sorted by
                 id; name is the plain STIX name (sub-techniques are not prefixed
                 with their parent's name); tactics are the kill_chain_phases
                 whose kill_chain_name is "mitre-attack", in kill-chain order.
Objects with revoked=true or x_mitre_deprecated=true are left out. IDs are the
external_id of the external_references entry whose source_name is
"mitre-attack". One tactic / technique per line, so refreshes diff cleanly.
"""

import argparse
import datetime
import hashlib
import json
import re
import sys
import urllib.request
from pathlib import Path

DEFAULT_OUT = Path(__file__).resolve().parent / "enterprise-attack.json"
TECHNIQUE_ID = re.compile(r"^T\d{4}(\.\d{3})?$")
TACTIC_ID = re.compile(r"^TA\d{4}$")


def load(path_or_url):
    """Return (raw bytes, parsed bundle) of a local file or an http(s) URL."""
    if re.match(r"^https?://", path_or_url):
        with urllib.request.urlopen(path_or_url, timeout=120) as resp:
            raw = resp.read()
    else:
        raw = Path(path_or_url).read_bytes()
    return raw, json.loads(raw.decode("utf-8"))


def active(obj):
    return not obj.get("revoked", False) and not obj.get("x_mitre_deprecated", False)


def attack_id(obj):
    for ref in obj.get("external_references", []):
        if ref.get("source_name") == "mitre-attack" and ref.get("external_id"):
            return ref["external_id"]
    return None


def technique_sort_key(tid):
    parent, _, sub = tid.partition(".")
    return (int(parent[1:]), int(sub) if sub else -1)


def build(bundle, source_label, generated):
    if bundle.get("type") != "bundle" or not isinstance(bundle.get("objects"), list):
        sys.exit("error: input is not a STIX bundle")
    objects = bundle["objects"]
    by_id = {o["id"]: o for o in objects if "id" in o}

    # Version information from the collection object.
    collections = [o for o in objects if o.get("type") == "x-mitre-collection"]
    if len(collections) != 1:
        sys.exit("error: expected exactly one x-mitre-collection, found %d" % len(collections))
    coll = collections[0]
    attack_version = coll.get("x_mitre_version", "?")
    spec_version = coll.get("x_mitre_attack_spec_version", "?")
    coll_modified = coll.get("modified", "?")

    # The enterprise matrix gives the tactics and their kill-chain order.
    matrices = [
        o for o in objects
        if o.get("type") == "x-mitre-matrix" and active(o) and attack_id(o) == "enterprise-attack"
    ]
    if len(matrices) != 1:
        sys.exit("error: expected exactly one active enterprise-attack matrix, found %d" % len(matrices))
    tactics = []
    for ref in matrices[0].get("tactic_refs", []):
        t = by_id.get(ref)
        if t is None:
            sys.exit("error: matrix refers to missing tactic %s" % ref)
        if t.get("type") != "x-mitre-tactic" or not active(t):
            continue
        tid = attack_id(t)
        if not tid or not TACTIC_ID.match(tid):
            sys.exit("error: tactic %s has no valid mitre-attack id" % ref)
        tactics.append({"id": tid, "short_name": t["x_mitre_shortname"], "name": t["name"]})
    if not tactics:
        sys.exit("error: no tactics found")
    order = {t["short_name"]: i for i, t in enumerate(tactics)}
    if len(order) != len(tactics):
        sys.exit("error: duplicate tactic short names")

    techniques = {}
    for o in objects:
        if o.get("type") != "attack-pattern" or not active(o):
            continue
        tid = attack_id(o)
        if not tid or not TECHNIQUE_ID.match(tid):
            sys.exit("error: attack-pattern %s has no valid mitre-attack id" % o.get("id"))
        if tid in techniques:
            sys.exit("error: duplicate technique id %s" % tid)
        phases = []
        for p in o.get("kill_chain_phases", []):
            if p.get("kill_chain_name") == "mitre-attack" and p.get("phase_name") not in phases:
                phases.append(p["phase_name"])
        unknown = [p for p in phases if p not in order]
        if unknown:
            print("warning: %s uses tactics not in the matrix: %s" % (tid, unknown), file=sys.stderr)
        phases.sort(key=lambda p: (order.get(p, len(order)), p))
        techniques[tid] = {"id": tid, "name": o["name"], "tactics": phases}

    source = "%s; Enterprise ATT&CK v%s (ATT&CK spec %s, collection modified %s)" % (
        source_label, attack_version, spec_version, coll_modified)
    return {
        "source": source,
        "generated": generated,
        "tactics": tactics,
        "techniques": [techniques[k] for k in sorted(techniques, key=technique_sort_key)],
    }


def render(doc):
    """Valid JSON with one tactic / technique object per line."""
    def one(v):
        return json.dumps(v, ensure_ascii=False, separators=(", ", ": "))

    def array(items):
        if not items:
            return "[]"
        return "[\n" + ",\n".join("    " + one(i) for i in items) + "\n  ]"

    return (
        "{\n"
        '  "source": %s,\n'
        '  "generated": %s,\n'
        '  "tactics": %s,\n'
        '  "techniques": %s\n'
        "}\n"
    ) % (one(doc["source"]), one(doc["generated"]), array(doc["tactics"]), array(doc["techniques"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bundle", metavar="PATH_OR_URL", help="MITRE enterprise-attack.json STIX bundle")
    ap.add_argument("--source", help="label for where the bundle came from (default: PATH_OR_URL)")
    ap.add_argument("--generated", help="date to record (default: today, UTC)")
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="output file (default: %(default)s)")
    args = ap.parse_args()

    raw, bundle = load(args.bundle)
    generated = args.generated or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    doc = build(bundle, args.source or args.bundle, generated)
    text = render(doc)
    json.loads(text)  # self-check: output must be valid JSON
    Path(args.out).write_text(text, encoding="utf-8")
    subs = sum(1 for t in doc["techniques"] if "." in t["id"])
    print("input sha256 %s" % hashlib.sha256(raw).hexdigest(), file=sys.stderr)
    print("wrote %s: %d tactics, %d techniques (%d top-level, %d sub-techniques), %d bytes" % (
        args.out, len(doc["tactics"]), len(doc["techniques"]),
        len(doc["techniques"]) - subs, subs, len(text.encode("utf-8"))), file=sys.stderr)
    print(doc["source"], file=sys.stderr)


if __name__ == "__main__":
    main()
