"""axe-core audits of every kind of reading page: on a desktop and a phone screen,
and on the desktop in the dark colour scheme.

axe checks what a machine can (names, roles, contrast, landmarks, headings, target
sizes …) against the WCAG 2.0, 2.1 and 2.2 A and AA rules. Any violation fails the
test with the rule, its help page and each offending element; the full axe result
is also written to ``test-artifacts/axe/``.
"""

import json

import pytest

from tests.browser.demo_site import ARTIFACTS, PAGE_NAMES

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]

RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({
      target: n.target.join(" "),
      html: n.html,
      summary: n.failureSummary,
    })),
  }));
}"""


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"\n[{v['impact']}] {v['id']}: {v['help']}\n  {v['helpUrl']}")
        for node in v["nodes"]:
            lines.append(f"  - {node['target']}\n    {node['html'][:200]}")
            lines.extend(f"      {line}" for line in (node["summary"] or "").splitlines())
    return "\n".join(lines)


@pytest.mark.parametrize("screen", ["desktop", "phone", "dark"])
@pytest.mark.parametrize("name", PAGE_NAMES)
def test_page_has_no_wcag_a_or_aa_violations(name, screen, site, screens, axe_source):
    page = screens[screen]
    page.goto(site(name), wait_until="load")
    page.evaluate(axe_source)
    violations = page.evaluate(RUN_AXE, WCAG_TAGS)

    report = ARTIFACTS / "axe" / f"{name}-{screen}.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(violations, indent=2), encoding="utf-8")
    assert not violations, f"axe found {len(violations)} problem(s) on {page.url}:" + describe(
        violations
    )
