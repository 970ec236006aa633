"""An organiser's own template, with no data-* attributes, still keeps every name on the badge.

A placeholder without data-max-width gets the room the badge allows from its anchor, along its own
baseline, inside a 4 mm margin; checked as a printer reads the PDF (pdftotext -bbox).
"""

from __future__ import annotations

import re
import subprocess

import pytest

from api.render.builtin import make_plan
from api.render.document import render_pdf
from api.render.options import BadgeOptions
from api.render.template import compile_template

PLAIN = """<svg xmlns="http://www.w3.org/2000/svg" width="105mm" height="148mm" viewBox="0 0 105 148">
<rect width="105" height="148" fill="#ffffff"/>
<text x="10" y="50" font-size="12" font-family="DejaVu Sans">{{name}}</text>
<text x="52.5" y="90" font-size="8" text-anchor="middle">{{organization}}</text>
<text x="95" y="110" font-size="8" text-anchor="end">{{role}}</text>
<text x="10" y="140" font-size="6" transform="rotate(-90 10 140)">{{email}}</text>
%s
</svg>"""

# Long names in many scripts: the kinds that ran off both edges of a plain template.
NAMES = [
    "Maximilian-Alexander von Hohenzollern-Sigmaringen",
    "Zoë Ångström-Lefèvre de la Fontaine-Bourbon",
    "Nguyễn Thị Minh Khai Trần Hưng Đạo Phạm",
    "محمد بن عبد الرحمن بن عبد العزيز آل سعود",
    "سید محمدحسین شهریار تبریزی بهجت‌آبادی",
    "דוד בן גוריון גרין פלונסקי",
    "अनिल कुमार शर्मा वर्मा चतुर्वेदी त्रिपाठी",
    "রবীন্দ্রনাথ ঠাকুর চট্টোপাধ্যায় বন্দ্যোপাধ্যায়",
    "தமிழ்ச்செல்வி இராமசாமி கிருஷ்ணமூர்த்தி",
    "สมชาย ใจดีมีสุขสวัสดิ์เจริญรุ่งเรือง",
    "欧阳慕容司马诸葛东方皇甫长孙宇文上官",
    "Александра Константиновна Преображенская-Рождественская",
    "Հովհաննիսյան Մկրտիչ Արշակի Տեր-Գրիգորյան",
]


def room(template_svg: str, extra: str = "") -> dict[str, float | None]:
    template = compile_template((template_svg % extra).encode())
    return {field.placeholders[0]: field.fit.max_width for field in template.fields}


def test_each_anchor_gets_the_room_to_the_badges_edges_inside_a_4_mm_margin():
    widths = room(PLAIN)

    assert widths["name"] == pytest.approx(105 - 4 - 10)  # start: to the right edge
    assert widths["organization"] == pytest.approx(2 * (52.5 - 4))  # middle: symmetric
    assert widths["role"] == pytest.approx(95 - 4)  # end: to the left edge
    assert widths["email"] == pytest.approx(140 - 4)  # rotated: along its baseline, up to the top


def test_data_attributes_still_decide():
    svg = PLAIN.replace('font-size="12" font-family', 'data-max-width="40" font-size="12" font-family')
    svg = svg.replace('text-anchor="middle"', 'text-anchor="middle" data-margin="10"')

    widths = room(svg)

    assert widths["name"] == 40
    assert widths["organization"] == pytest.approx(2 * (52.5 - 10))


def test_an_anchor_in_the_margin_gets_the_room_to_the_edge_and_one_off_the_badge_gets_none():
    svg = PLAIN % (
        '<text x="2" y="20" font-size="5">{{event}}</text>'
        '<text x="200" y="20" font-size="5">{{ticket}}</text>'
    )
    template = compile_template(svg.encode())
    widths = {field.placeholders[0]: field.fit.max_width for field in template.fields}

    assert widths["event"] == pytest.approx(105 - 2)
    assert widths["ticket"] is None


def words_outside(pdf: str, width: float, height: float) -> list[str]:
    boxes = subprocess.run(
        ["pdftotext", "-bbox", pdf, "-"], capture_output=True, text=True, check=True
    ).stdout
    outside = []
    pattern = r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">([^<]*)<'
    for match in re.finditer(pattern, boxes):
        x_min, y_min, x_max, y_max = map(float, match.groups()[:4])
        if x_min < -0.5 or y_min < -0.5 or x_max > width + 0.5 or y_max > height + 0.5:
            outside.append(match.group(5))
    return outside


def test_long_names_in_many_scripts_stay_on_a_plain_templates_badge(tmp_path):
    template = compile_template((PLAIN % "").encode())
    rows = [
        {
            "name": name,
            "organization": "Internationale Gesellschaft für Zusammenarbeit GmbH, Bonn und Eschborn",
            "role": "Keynote speaker and workshop organiser",
            "email": "maximilian.alexander.von-hohenzollern@example.org",
        }
        for name in NAMES
    ]
    plan = make_plan(template, BadgeOptions(), columns_available=list(rows[0]))
    pdf = tmp_path / "plain.pdf"

    render_pdf(plan, rows, str(pdf))

    outside = words_outside(str(pdf), template.width, template.height)
    assert outside == []
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Hohenzollern-Sigmaringen" in text  # shrunk or wrapped, not dropped
