"""Regenerate resist-wavelength-briefing.pdf from sources/resist-wavelength-briefing.txt.

Usage (any throwaway venv):
    python3 -m venv /tmp/pdfvenv && /tmp/pdfvenv/bin/pip install fpdf2
    /tmp/pdfvenv/bin/python evals/userdocs/sources/make_pdf.py

Source markup: "# " title, "## " heading, "- " bullet, "| a | b |" table row
(first row = header), blank line = paragraph break, anything else = paragraph text.
Uses DejaVu Sans when installed (needed for the micro sign and superscript two);
otherwise falls back to Helvetica with those two characters spelled out.
"""

from pathlib import Path

from fpdf import FPDF

HERE = Path(__file__).resolve().parent
SRC = HERE / "resist-wavelength-briefing.txt"
OUT = HERE.parent / "documents" / "resist-wavelength-briefing.pdf"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


def main() -> None:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title("Training handout: Is this resist listed?")
    pdf.set_author("Sample course handout")
    if (FONT_DIR / "DejaVuSans.ttf").exists():
        pdf.add_font("Body", "", str(FONT_DIR / "DejaVuSans.ttf"))
        pdf.add_font("Body", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        fix = lambda s: s  # noqa: E731
    else:
        pdf.core_fonts_encoding = "latin-1"
        fix = lambda s: s.replace("mm²", "mm2").replace("µ", "micro-")  # noqa: E731
    family = "Body" if "body" in pdf.fonts else "Helvetica"
    pdf.add_page()
    w = pdf.epw
    table_rows: list[list[str]] = []

    def flush_table() -> None:
        if not table_rows:
            return
        pdf.set_font(family, "", 9)
        with pdf.table(col_widths=(30, 30, 20, 45), line_height=5.5) as table:
            for cells in table_rows:
                row = table.row()
                for c in cells:
                    row.cell(c)
        table_rows.clear()
        pdf.ln(3)

    for raw in SRC.read_text(encoding="utf-8").splitlines():
        line = fix(raw.rstrip())
        if line.startswith("|"):
            table_rows.append([c.strip() for c in line.strip("|").split("|")])
            continue
        flush_table()
        if not line:
            pdf.ln(2)
        elif line.startswith("# "):
            pdf.set_font(family, "B", 15)
            pdf.multi_cell(w, 8, line[2:], new_x="LMARGIN", new_y="NEXT")
        elif line.startswith("## "):
            pdf.ln(1)
            pdf.set_font(family, "B", 12)
            pdf.multi_cell(w, 7, line[3:], new_x="LMARGIN", new_y="NEXT")
        elif line.startswith("- "):
            pdf.set_font(family, "", 10)
            pdf.set_x(pdf.l_margin + 4)
            pdf.multi_cell(
                w - 4,
                5.5,
                "\u2022 " + line[2:] if family == "Body" else "* " + line[2:],
                new_x="LMARGIN",
                new_y="NEXT",
            )
        else:
            pdf.set_font(family, "", 10)
            pdf.multi_cell(w, 5.5, line, new_x="LMARGIN", new_y="NEXT")
    flush_table()
    pdf.set_y(-20)
    pdf.set_font(family, "", 8)
    pdf.cell(w, 5, "Sample training handout. Not an official document.", align="C")
    pdf.output(str(OUT))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
