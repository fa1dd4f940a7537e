"""Writing the bulk import's input files (``load/bulk_files.py``) with the current code and a
baseline revision's (``--baseline``, read from git), on the same graph elements built once from
the same work folder; each row says whether every file came out byte for byte the same. No
Neo4j is needed: this is the Python side of a full build's load before ``neo4j-admin`` runs.

    .venv/bin/python bench/bench_import_files.py --preset demo
    .venv/bin/python bench/bench_import_files.py --work /path/to/seed/work  # bench_seed's
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_graph_difference import _elements, work_folder, work_parser
from bench.common import measured, module_at, print_table, progress
from pipelines.load import bulk_files as current_files
from pipelines.load import identity_graph as current_graph
from pipelines.paths import PipelinePaths

# The last commit before datetimes were written by Arrow's cast instead of its strftime (fabc374)
# and keys without a Python string per row (the commit after it).
BASELINE = "8e2a99f"
COLUMNS = ["version", "files", "rows", "seconds", "peak RSS MB", "same files"]


def file_digests(folder: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.glob("*.csv"))}


def main() -> None:
    args = work_parser(__doc__.splitlines()[0], BASELINE).parse_args()
    modules = {args.baseline: module_at(args.baseline, "pipelines/load/bulk_files.py"),
               "current": current_files}
    with tempfile.TemporaryDirectory(prefix="attrib-bench-import-") as scratch:
        work = work_folder(args, Path(scratch))
        progress(f"building the graph's elements from {work}")
        elements = _elements(current_graph, PipelinePaths(landing_dir=str(work),
                                                          work_dir=str(work)))
        rows, digests = [], {}
        for version, module in modules.items():
            progress(f"{version}: writing the import files")
            folder = Path(scratch) / version
            with measured(version) as stage:
                written = module.write_import_files(elements, folder)
            digests[version] = file_digests(folder)
            rows.append([version, len(written), sum(f.rows for f in written), stage.seconds,
                         stage.peak_rss_mb])
    same = digests[args.baseline] == digests["current"]
    rows = [[*row, "" if row[0] == args.baseline else ("yes" if same else "NO")] for row in rows]
    print_table(f"Bulk import files ({work})", COLUMNS, rows)
    before, after = rows[0][3], rows[1][3]
    print(f"\nimport files: {args.baseline} {before:.1f} s, current {after:.1f} s "
          f"({before / max(after, 1e-9):.2f}x)")
    if not same:
        differing = sorted(name for name in digests["current"]
                           if digests["current"][name] != digests[args.baseline].get(name))
        sys.exit(f"the two versions wrote different files: {', '.join(differing)}")


if __name__ == "__main__":
    main()
