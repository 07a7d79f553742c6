"""The incidents HTML page: cards, sources side by side, disputed rows, escaping."""

from __future__ import annotations

from extractor.incidents import build_incident
from extractor.report.incidents_page import render_incidents
from tests.incidents.helpers import report


def test_cards_sources_and_disagreements() -> None:
    a = report("a", date="2024-01-14", killed=1, evidence=["<script>alert(1)</script> hit"])
    b = report("b", date="2024-01-14", killed=2)
    alone = report("c", location="Erbil", date="2024-01-14")
    page = render_incidents([build_incident([alone]), build_incident([a, b])])
    assert page.index("2 sources") < page.index("1 source,")  # several sources first
    assert page.count('<section class="card"') == 2
    assert page.count('<div class="source">') == 3
    assert '<tr class="conflict"><th>killed</th><td>1<ul class="said">' in page
    assert "<li>2: Outlet b (b)</li>" in page
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="https://x.test/a"' in page
