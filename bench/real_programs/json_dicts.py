# Dict and JSON work for bench/real_programs.sh: builds N records (nested dicts, lists,
# strings), writes them as JSON text, parses it back, indexes and groups them in dicts, and
# round-trips a summary. Deterministic. usage: python3 json_dicts.py [N]
import json
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 40000
records = []
for i in range(n):
    records.append({
        "id": i,
        "name": "user%06d" % i,
        "email": "user%d@example%d.org" % (i, i % 97),
        "tags": ["t%d" % (i % 17), "g%d" % (i % 31), "k%d" % (i * 7 % 101)],
        "score": (i * 2654435761) % 100003 / 100.0,
        "address": {"street": "%d Main Street" % (i % 1000), "zip": "%05d" % (i * 13 % 99991)},
    })
text = json.dumps(records)
back = json.loads(text)

by_tag = {}
for r in back:
    for tag in r["tags"]:
        by_tag.setdefault(tag, []).append(r["id"])
by_name = {r["name"]: r for r in back}
by_zip = {}
for r in back:
    by_zip.setdefault(r["address"]["zip"][:3], []).append(r["name"])
summary = {
    tag: {"count": len(ids), "first": ids[0], "names": [back[i]["name"] for i in ids[:50]]}
    for tag, ids in by_tag.items()
}
again = json.loads(json.dumps(summary, sort_keys=True, indent=1))
best = sorted(back, key=lambda r: (-r["score"], r["name"]))[:10]
print(len(text), len(by_tag), len(by_name), len(by_zip), len(again), best[0]["name"])
