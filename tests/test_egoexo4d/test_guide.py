"""docs/egoexo4d.md: every config and tool it tells the user to run exists,
and the whole path names the manual + auto HP-ViT variant."""
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / 'docs' / 'egoexo4d.md'


def test_guide_names_only_existing_configs_and_tools():
    text = GUIDE.read_text()
    named = set(re.findall(r'(?:configs|tools)/[\w./-]+\.py', text))
    assert len(named) > 10
    assert not sorted(p for p in named if not (REPO / p).is_file())
    assert 'configs/hpvit/hpvit_vit-h_1xb8-70e_egoexo4d-manual-auto-' \
        '256x192.py' in named
    for step in ('tools/dataset_converters/egoexo4d.py', 'tools/train.py',
                 'tools/test.py', 'tools/eval_egoexo4d.py'):
        assert step in named
