"""The ```python blocks of the README's "Test your workflows offline" section, as one test file.

``python .ci/readme_examples.py README.md`` prints it (CI runs it outside the repository against the
built wheel); tests/testing/test_examples.py runs the same text inside the suite.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

SECTION = "## Test your workflows offline"


def readme_examples(text: str) -> str:
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    blocks = re.findall(r"```python\n(.*?)```", text[start : end if end != -1 else None], flags=re.S)
    if not blocks:
        raise SystemExit(f"no python example in the README's {SECTION!r} section")
    return "\n\n".join(blocks)


if __name__ == "__main__":
    print(readme_examples(Path(sys.argv[1]).read_text()))
