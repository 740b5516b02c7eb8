"""The *scheda di trasparenza delle competenze*: a PDF that makes a person's path and the
competences reached visible to the person and to employers.

It lists the path (activities, workshops with the hours attended, internships), the competences
reached (latest level ≥ 1) with the level descriptor and the ESCO reference, the date and the
tutor. It says plainly that it is not an official certificate: the centre is not accredited for
training. Italian by default, English on request. Fonts: DejaVu Sans, shipped in
``fleming/assets/fonts`` (accented letters render in any PDF viewer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos
from sqlalchemy import select
from sqlalchemy.orm import Session

from fleming import audit
from fleming import competences as comp
from fleming.actor import Actor
from fleming.errors import NotFound
from fleming.i18n import enum_label, fmt_date, fmt_number, translate
from fleming.models import (
    ActivityKind,
    ActivityStatus,
    Company,
    CompetenceArea,
    EnrolmentStatus,
    Internship,
    InternshipStatus,
    PathActivity,
    Person,
    Trade,
    User,
    WorkshopEdition,
    WorkshopEnrolment,
)
from fleming.permissions import authorize

FONT_DIR = Path(__file__).resolve().parent / "assets" / "fonts"
FONT = "DejaVu"
CENTRE = "Centro Fleming — Comune di Milano"


# --------------------------------------------------------------------------- the data
@dataclass(frozen=True)
class ActivityLine:
    kind: ActivityKind
    description: str | None
    status: ActivityStatus
    started_on: date | None
    completed_on: date | None
    hours: int | None


@dataclass(frozen=True)
class WorkshopLine:
    title: str
    trade_label_it: str
    trade_label_en: str
    start_date: date
    end_date: date
    hours_planned: int
    hours_attended: float
    completed: bool


@dataclass(frozen=True)
class InternshipLine:
    company: str
    start_date: date
    end_date: date  # the actual end, or the planned one while it runs
    weekly_hours: int
    running: bool


@dataclass(frozen=True)
class ReachedCompetence:
    code: str
    label_it: str
    label_en: str
    area: CompetenceArea
    trade_label_it: str | None
    trade_label_en: str | None
    level: int
    rated_on: date
    esco_uri: str | None


@dataclass(frozen=True)
class SheetData:
    person_id: int
    person_name: str
    intake_date: date
    tutor_name: str
    activities: list[ActivityLine]
    workshops: list[WorkshopLine]
    internships: list[InternshipLine]
    competences: list[ReachedCompetence]
    issued_on: date


def sheet_data(
    *, session: Session, actor: Actor, person_id: int, today: date | None = None
) -> SheetData:
    """Everything the sheet shows, read with a handful of queries for one person."""
    authorize(session=session, actor=actor, operation="competences.export")
    row = session.execute(
        select(Person, User)
        .outerjoin(User, User.id == Person.tutor_id)
        .where(Person.id == person_id, Person.anonymised_at.is_(None))
    ).first()
    if row is None:
        raise NotFound("person")
    person, tutor = row

    activities = [
        ActivityLine(
            kind=ActivityKind(a.kind),
            description=a.description,
            status=ActivityStatus(a.status),
            started_on=a.started_on,
            completed_on=a.completed_on,
            hours=a.hours_done or None,
        )
        for a in session.scalars(
            select(PathActivity)
            .where(
                PathActivity.person_id == person_id,
                PathActivity.status.in_([ActivityStatus.DONE, ActivityStatus.IN_PROGRESS]),
                PathActivity.kind.not_in([ActivityKind.WORKSHOP, ActivityKind.INTERNSHIP]),
            )
            .order_by(PathActivity.started_on, PathActivity.id)
        )
    ]

    hours = comp.attended_hours(session=session, person_id=person_id)
    workshops = [
        WorkshopLine(
            title=edition.title,
            trade_label_it=trade.label_it,
            trade_label_en=trade.label_en,
            start_date=edition.start_date,
            end_date=edition.end_date,
            hours_planned=edition.hours,
            hours_attended=hours.get(edition.id, 0.0),
            completed=EnrolmentStatus(enrolment.status) is EnrolmentStatus.COMPLETED,
        )
        for enrolment, edition, trade in session.execute(
            select(WorkshopEnrolment, WorkshopEdition, Trade)
            .join(WorkshopEdition, WorkshopEdition.id == WorkshopEnrolment.edition_id)
            .join(Trade, Trade.id == WorkshopEdition.trade_id)
            .where(
                WorkshopEnrolment.person_id == person_id,
                WorkshopEnrolment.status != EnrolmentStatus.WITHDRAWN,
            )
            .order_by(WorkshopEdition.start_date)
        ).all()
    ]

    internships = [
        InternshipLine(
            company=company.name,
            start_date=intern.start_date,
            end_date=intern.actual_end_date or intern.planned_end_date,
            weekly_hours=intern.weekly_hours,
            running=InternshipStatus(intern.status) is InternshipStatus.ACTIVE,
        )
        for intern, company in session.execute(
            select(Internship, Company)
            .join(Company, Company.id == Internship.company_id)
            .where(
                Internship.person_id == person_id,
                Internship.status.in_([InternshipStatus.ACTIVE, InternshipStatus.COMPLETED]),
            )
            .order_by(Internship.start_date)
        ).all()
    ]

    progress = comp.progress(session=session, actor=actor, person_id=person_id)
    reached_rows = progress[progress["latest_level"] >= comp.MIN_REQUIRED_LEVEL]
    trade_labels = {
        t.code: (t.label_it, t.label_en)
        for t in session.scalars(
            select(Trade).where(
                Trade.code.in_(sorted({c for c in reached_rows["trade_code"].dropna()}))
            )
        )
    }
    reached = [
        ReachedCompetence(
            code=r.code,
            label_it=r.label_it,
            label_en=r.label_en,
            area=CompetenceArea(r.area),
            trade_label_it=trade_labels.get(r.trade_code, (None, None))[0],
            trade_label_en=trade_labels.get(r.trade_code, (None, None))[1],
            level=int(r.latest_level),
            rated_on=r.latest_on.date(),
            esco_uri=None if not isinstance(r.esco_uri, str) else r.esco_uri,
        )
        for r in reached_rows.itertuples(index=False)
    ]
    return SheetData(
        person_id=person.id,
        person_name=f"{person.first_name} {person.last_name}",
        intake_date=person.intake_date,
        tutor_name=tutor.full_name if tutor is not None else actor.full_name,
        activities=activities,
        workshops=workshops,
        internships=internships,
        competences=reached,
        issued_on=today or date.today(),
    )


def sheet_pdf(
    *,
    session: Session,
    actor: Actor,
    person_id: int,
    lang: str = "it",
    today: date | None = None,
) -> bytes:
    """The transparency sheet of a person as PDF bytes; the export is audited."""
    data = sheet_data(session=session, actor=actor, person_id=person_id, today=today)
    pdf = render(data, lang)
    audit.record(
        session=session,
        actor=actor,
        action="export",
        entity="transparency_sheet",
        entity_id=person_id,
        person_id=person_id,
        changes={"format": "pdf", "lang": lang, "competences": len(data.competences)},
    )
    return pdf


def file_name(data_or_name: SheetData | str, lang: str = "it") -> str:
    name = data_or_name.person_name if isinstance(data_or_name, SheetData) else data_or_name
    stem = translate("transparency.file_stem", lang)
    return f"{stem}_{comp._slug(name, 60)}.pdf"


# --------------------------------------------------------------------------- the PDF
INK = (33, 37, 41)
MUTED = (108, 117, 125)
ACCENT = (31, 78, 121)
RULE = (206, 212, 218)
BOX = (255, 244, 229)
BOX_EDGE = (230, 160, 60)
HEAD = (241, 243, 245)


class FlemingPdf(FPDF):
    """An A4 page in DejaVu Sans (accented letters in any viewer) with texts in ``lang``: the base
    of the transparency sheet and of the data-protection export (``fleming.gdpr``)."""

    def __init__(self, lang: str, *, margin: float, top: float = 16, bottom: float) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.lang = lang
        self.set_margins(margin, top, margin)
        self.set_auto_page_break(auto=True, margin=bottom)
        self.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.set_lang(lang)
        self.set_creator("Fleming")

    def t(self, key: str, **params: object) -> str:
        return translate(key, self.lang, **params)


class _Sheet(FlemingPdf):
    def __init__(self, lang: str) -> None:
        super().__init__(lang, margin=18, bottom=20)

    def multi_cell(self, *args, **kwargs):  # left-aligned unless told otherwise (not justified)
        kwargs.setdefault("align", "L")
        return super().multi_cell(*args, **kwargs)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*MUTED)
        self.cell(
            0,
            4,
            self.t("transparency.footer", page=self.page_no(), pages="{nb}"),
            align="C",
        )


def _period(start: date | None, end: date | None, lang: str, running: bool = False) -> str:
    if start is None:
        return "—"
    first = fmt_date(start, lang)
    if running:
        return translate("transparency.period.since", lang, start=first)
    if end is None or end == start:
        return first
    return f"{first} – {fmt_date(end, lang)}"


def _activity_name(a: ActivityLine, lang: str) -> str:
    kind = enum_label(a.kind, lang)
    if not a.description:
        return kind
    if a.description.casefold().startswith(kind.casefold()):
        return a.description
    return f"{kind} — {a.description}"


def _heading(pdf: _Sheet, text: str) -> None:
    if pdf.will_page_break(18):
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font(FONT, "B", 12)
    pdf.set_text_color(*ACCENT)
    pdf.cell(0, 7, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.4)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(2)
    pdf.set_text_color(*INK)


def _subheading(pdf: _Sheet, text: str) -> None:
    if pdf.will_page_break(14):
        pdf.add_page()
    pdf.ln(1.5)
    pdf.set_font(FONT, "B", 10)
    pdf.set_text_color(*INK)
    pdf.cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _table(pdf: _Sheet, headings: list[str], rows: list[list[str]], widths: list[int]) -> None:
    pdf.set_font(FONT, "", 9)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    with pdf.table(
        col_widths=widths,
        text_align="LEFT",
        line_height=5,
        padding=1.2,
        borders_layout="HORIZONTAL_LINES",
        headings_style=_headings_style(),
        first_row_as_headings=True,
    ) as table:
        table.row(headings)
        for values in rows:
            table.row(values)
    pdf.ln(1)


def _headings_style():
    from fpdf.fonts import FontFace

    return FontFace(family=FONT, emphasis="BOLD", color=MUTED, fill_color=HEAD, size_pt=8.5)


def _disclaimer(pdf: _Sheet) -> None:
    pdf.set_font(FONT, "B", 9)
    pdf.set_fill_color(*BOX)
    pdf.set_draw_color(*BOX_EDGE)
    pdf.set_line_width(0.3)
    pdf.multi_cell(
        0,
        4.8,
        pdf.t("transparency.disclaimer"),
        border=1,
        fill=True,
        padding=2.5,
        align="L",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_text_color(*INK)
    pdf.set_fill_color(255, 255, 255)


def _field(pdf: _Sheet, label: str, value: str) -> None:
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(*MUTED)
    pdf.cell(44, 6, label)
    pdf.set_font(FONT, "B", 10)
    pdf.set_text_color(*INK)
    pdf.multi_cell(0, 6, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")


def _group_key(c: ReachedCompetence, lang: str) -> str:
    if c.area is CompetenceArea.TECHNICAL and c.trade_label_it:
        trade = c.trade_label_en if lang == "en" else c.trade_label_it
        return f"{enum_label(c.area, lang)} — {trade}"
    return enum_label(c.area, lang)


def _competence(pdf: _Sheet, c: ReachedCompetence) -> None:
    lang = pdf.lang
    lv = comp.level(c.level)
    left_w = 104
    right_w = pdf.w - pdf.l_margin - pdf.r_margin - left_w
    label = c.label_en if lang == "en" else c.label_it
    shown_uri = (c.esco_uri or "").removeprefix("http://").removeprefix("https://")
    esco = pdf.t("transparency.esco_ref", uri=shown_uri) if c.esco_uri else ""
    pdf.set_font(FONT, "B", 9.5)
    h_label = pdf.multi_cell(
        left_w, 4.6, label, dry_run=True, output=MethodReturnValue.HEIGHT, align="L"
    )
    pdf.set_font(FONT, "", 6.5)
    h_esco = (
        pdf.multi_cell(left_w, 3.6, esco, dry_run=True, output=MethodReturnValue.HEIGHT, align="L")
        if esco
        else 0
    )
    pdf.set_font(FONT, "", 8)
    h_level = 4.2 + pdf.multi_cell(
        right_w - 2, 4.0, lv.descriptor(lang), dry_run=True, output=MethodReturnValue.HEIGHT
    )
    height = max(h_label + h_esco, h_level) + 2.5
    if pdf.will_page_break(height):
        pdf.add_page()
    top = pdf.get_y()
    x = pdf.l_margin
    pdf.set_xy(x, top + 1)
    pdf.set_font(FONT, "B", 9.5)
    pdf.set_text_color(*INK)
    pdf.multi_cell(left_w, 4.6, label, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
    if esco:
        pdf.set_font(FONT, "", 6.5)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(left_w, 3.6, esco, align="L", link=c.esco_uri)
    pdf.set_xy(x + left_w + 2, top + 1)
    pdf.set_font(FONT, "B", 8.5)
    pdf.set_text_color(*ACCENT)
    pdf.cell(right_w - 2, 4.2, f"{lv.value} · {lv.label(lang)}", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(*INK)
    pdf.multi_cell(right_w - 2, 4.0, lv.descriptor(lang), align="L")
    bottom = top + height
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    pdf.line(pdf.l_margin, bottom, pdf.w - pdf.r_margin, bottom)
    pdf.set_xy(pdf.l_margin, bottom)


def render(data: SheetData, lang: str = "it") -> bytes:
    """Lay out the sheet; returns the PDF bytes."""
    lang = "en" if lang == "en" else "it"
    pdf = _Sheet(lang)
    pdf.set_title(f"{pdf.t('transparency.title')} — {data.person_name}")
    pdf.set_author(CENTRE)
    pdf.add_page()

    pdf.set_font(FONT, "", 8.5)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 5, CENTRE, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 17)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(0, 8, pdf.t("transparency.title"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    _disclaimer(pdf)
    pdf.ln(3)

    _field(pdf, pdf.t("transparency.person"), data.person_name)
    _field(pdf, pdf.t("transparency.path_since"), fmt_date(data.intake_date, lang, "long"))
    _field(pdf, pdf.t("transparency.tutor"), data.tutor_name)

    _heading(pdf, pdf.t("transparency.path"))
    if not (data.activities or data.workshops or data.internships):
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(0, 5, pdf.t("transparency.path.empty"), new_x=XPos.LMARGIN)
    if data.activities:
        _subheading(pdf, pdf.t("transparency.activities"))
        _table(
            pdf,
            [
                pdf.t("transparency.col.activity"),
                pdf.t("transparency.col.period"),
                pdf.t("transparency.col.hours"),
            ],
            [
                [
                    _activity_name(a, lang),
                    _period(
                        a.started_on,
                        a.completed_on,
                        lang,
                        running=a.status is ActivityStatus.IN_PROGRESS,
                    ),
                    fmt_number(a.hours, lang) if a.hours else "—",
                ]
                for a in data.activities
            ],
            [95, 55, 24],
        )
    if data.workshops:
        _subheading(pdf, pdf.t("transparency.workshops"))
        _table(
            pdf,
            [
                pdf.t("transparency.col.workshop"),
                pdf.t("transparency.col.period"),
                pdf.t("transparency.col.attended"),
            ],
            [
                [
                    f"{w.title} ({w.trade_label_en if lang == 'en' else w.trade_label_it})",
                    _period(w.start_date, w.end_date, lang),
                    pdf.t(
                        "transparency.hours_of",
                        done=fmt_number(w.hours_attended, lang, 1 if w.hours_attended % 1 else 0),
                        planned=fmt_number(w.hours_planned, lang),
                    ),
                ]
                for w in data.workshops
            ],
            [85, 55, 34],
        )
    if data.internships:
        _subheading(pdf, pdf.t("transparency.internships"))
        _table(
            pdf,
            [
                pdf.t("transparency.col.company"),
                pdf.t("transparency.col.period"),
                pdf.t("transparency.col.weekly_hours"),
            ],
            [
                [
                    i.company,
                    _period(i.start_date, i.end_date, lang, running=i.running),
                    fmt_number(i.weekly_hours, lang),
                ]
                for i in data.internships
            ],
            [85, 55, 34],
        )

    _heading(pdf, pdf.t("transparency.competences"))
    pdf.set_font(FONT, "", 8.5)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(0, 4.4, pdf.t("transparency.scale_intro"), new_x=XPos.LMARGIN)
    pdf.ln(1)
    for lv in comp.LEVELS:
        pdf.set_font(FONT, "B", 8.5)
        pdf.set_text_color(*INK)
        pdf.cell(38, 4.6, f"{lv.value} · {lv.label(lang)}")
        pdf.set_font(FONT, "", 8.5)
        pdf.multi_cell(0, 4.6, lv.descriptor(lang), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    if not data.competences:
        pdf.set_font(FONT, "", 9)
        pdf.set_text_color(*INK)
        pdf.multi_cell(0, 5, pdf.t("transparency.competences.empty"), new_x=XPos.LMARGIN)
    group = None
    for c in data.competences:
        key = _group_key(c, lang)
        if key != group:
            _subheading(pdf, key)
            group = key
        _competence(pdf, c)

    if pdf.will_page_break(40):
        pdf.add_page()
    pdf.ln(6)
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(0, 4, pdf.t("transparency.esco_credit"), align="L", new_x=XPos.LMARGIN)
    pdf.ln(6)
    pdf.set_font(FONT, "", 10)
    pdf.set_text_color(*INK)
    pdf.cell(
        90,
        6,
        pdf.t("transparency.place_date", date=fmt_date(data.issued_on, lang, "long")),
    )
    pdf.cell(0, 6, pdf.t("transparency.signature", tutor=data.tutor_name), align="R")
    pdf.ln(14)
    pdf.set_draw_color(*INK)
    pdf.line(pdf.w - pdf.r_margin - 70, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    return bytes(pdf.output())
