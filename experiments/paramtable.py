"""`capsim params`: the parameter registry as a table (also used to generate docs/ODD.md)."""

from __future__ import annotations

from sim.params import spec_rows


def markdown_table(rows=None) -> str:
    rows = rows if rows is not None else spec_rows()
    out = ["| key | default | unit | allowed | meaning | source |", "|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| `{r['key']}` | {r['default']} | {r['unit']} | {r['allowed']} | {r['meaning']} | {r['source']} |")
    return "\n".join(out)


def print_params(args: list[str]) -> None:
    rows = spec_rows()
    if args:
        rows = [r for r in rows if any(a in r["key"] for a in args)]
    if "--markdown" in args:
        print(markdown_table(rows))
        return
    for r in rows:
        print(f"{r['key']:<48} {str(r['default']):>12}  {r['unit']:<18} {r['allowed']:<28} {r['meaning']}  [{r['source']}]")
