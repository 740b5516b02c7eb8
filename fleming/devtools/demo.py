"""Deterministic demo data: three years of the Centro Fleming, ending today.

``generate(engine)`` fills an empty database (or, with ``reset=True``, any database) with fictitious
but realistic data: people and their paths, companies, vacancies, workshops, internships, ratings,
shortlists shared with partners and the audit trail. The same ``seed``, ``today`` and ``scale``
always give the same rows. Everything is written in one transaction with bulk inserts and primary
keys assigned here, so scale 10 (about a million rows) stays within a few minutes on SQLite.

The data are invented: names come from Faker and from small lists of names common in the
communities the centre serves; tax codes are computed (and valid) but belong to nobody; e-mail
addresses use the reserved ``example.*`` domains.

Demo accounts (password ``demo``): ``admin``, ``coordinatore``, ``tutor`` (with a caseload of
about 50 active people), ``partner`` (Soleterre).
"""

from __future__ import annotations

import calendar
import functools
import itertools
import random
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, Integer, Table, func, inspect, select, text
from sqlalchemy.orm import Session
from stdnum import luhn
from stdnum.it import codicefiscale

from fleming import reference
from fleming.db import delete_all_rows
from fleming.errors import Conflict
from fleming.models import (
    AuditEntry,
    Base,
    CefrLevel,
    Company,
    CompanyContact,
    Competence,
    CompetenceArea,
    CompetenceRating,
    Consent,
    Convention,
    Internship,
    InternshipAttendance,
    InternshipCheck,
    PartnerOrganisation,
    PathActivity,
    Person,
    PersonFragility,
    ScoutingEntry,
    ServicePact,
    Setting,
    ShortlistEntry,
    ShortlistShare,
    ShortlistStageChange,
    Trade,
    TrainingCourse,
    TutoringMeeting,
    User,
    Vacancy,
    VacancyCompetence,
    WorkshopAttendance,
    WorkshopEdition,
    WorkshopEnrolment,
    WorkshopSession,
)

DEMO_PASSWORD = "demo"
DEMO_ACCOUNTS: dict[str, str] = {
    "admin": "admin",
    "coordinatore": "coordinator",
    "tutor": "tutor",
    "partner": "partner",
}
DEFAULT_SEED = 20261128
CHUNK = 5_000
YEAR = 365
HISTORY_DAYS = 3 * YEAR  # three years of the centre, ending today
YEAR_GROWTH = (1.05, 1.0, 0.95)  # internships per year against ~300, most recent year first

Progress = Callable[[float, str], None]


def _words(text_: str) -> list[str]:
    """Split a space-separated list; underscores stand for spaces inside one item."""
    return [w.replace("_", " ") for w in text_.split()]


@dataclass(frozen=True)
class DemoSummary:
    counts: dict[str, int]  # table name -> rows inserted


@dataclass(frozen=True)
class Volumes:
    """How much demo data to make.

    ``factor`` multiplies everything not named here (workshop editions, open vacancies, shares
    with partners). ``ratings`` and ``audit`` are exact row counts, or ``None`` for whatever the
    paths produce. With ``exact`` the named volumes are hit exactly (sector and year shares are
    apportioned); without it each sector and year is rounded on its own, as ``--scale N`` always
    did.
    """

    factor: float
    people: int
    companies: int
    vacancies: int
    internships: int
    ratings: int | None = None
    audit: int | None = None
    exact: bool = False

    @classmethod
    def scaled(cls, scale: float) -> Volumes:
        """``--scale N``: N times the volumes of one centre (scale 1: 2,000 people, 450
        companies, 500 vacancies, 900 internships in three years)."""

        def n(base: float) -> int:
            return max(1, round(base * scale))

        return cls(
            factor=scale,
            people=n(2000),
            companies=sum(n(count) for count, _trades, _profile in SECTORS.values()),
            vacancies=n(500),
            internships=sum(n(300 * growth) for growth in YEAR_GROWTH),
        )


PRESETS: dict[str, Volumes] = {
    # "decade scale": a centre after ten years, or a city running several centres
    "S10": Volumes(
        factor=10,
        people=20_000,
        companies=2_000,
        vacancies=5_000,
        internships=6_000,
        ratings=200_000,
        audit=100_000,
        exact=True,
    ),
}


def volumes_for(scale: float | str | Volumes) -> Volumes:
    """The volumes of ``scale``: a positive number (a multiplier), a preset name (``S10``) or
    ``Volumes`` themselves."""
    if isinstance(scale, Volumes):
        return scale
    if isinstance(scale, str):
        preset = PRESETS.get(scale.strip().upper())
        if preset is not None:
            return preset
        try:
            scale = float(scale)
        except ValueError:
            raise ValueError(
                f"scale must be a positive number or one of {', '.join(PRESETS)}"
            ) from None
    if not scale > 0:
        raise ValueError("scale must be positive")
    return Volumes.scaled(float(scale))


def apportion(total: int, weights: list[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainder): the parts add up."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    parts = [int(s) for s in shares]
    by_remainder = sorted(range(len(weights)), key=lambda i: (parts[i] - shares[i], i))
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def has_demo_data(engine: Engine) -> bool:
    """True when the four demo accounts exist."""
    if not inspect(engine).has_table(User.__tablename__):
        return False
    with engine.connect() as conn:
        found = conn.scalar(
            select(func.count()).select_from(User).where(User.username.in_(list(DEMO_ACCOUNTS)))
        )
    return found == len(DEMO_ACCOUNTS)


def generate(
    engine: Engine,
    *,
    scale: float | str | Volumes = 1.0,
    seed: int = DEFAULT_SEED,
    reset: bool = False,
    today: date | None = None,
    progress: Progress | None = None,
) -> DemoSummary:
    """Fill the database with demo data; see the module docstring.

    ``reset=True`` first deletes every row of every table (then reloads the reference data);
    without it a database that already holds people or users raises
    ``Conflict("demo.error.not_empty")``. ``scale`` multiplies people, companies, vacancies,
    workshops and internships, or names a preset of exact volumes (``"S10"``, see ``PRESETS``);
    partner organisations and accounts stay the same.
    """
    volumes = volumes_for(scale)
    today = today or date.today()
    with engine.begin() as conn:
        if reset:
            delete_all_rows(conn)  # the append-only audit log included
        else:
            for model in (Person, User):
                if conn.scalar(select(func.count()).select_from(model)):
                    raise Conflict("demo.error.not_empty")
        session = Session(bind=conn)
        try:
            reference.seed_reference_data(session=session)
            session.flush()
        finally:
            session.close()
        builder = _Builder(conn, volumes=volumes, seed=seed, today=today, progress=progress)
        builder.run()
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn)
    if engine.dialect.name == "postgresql":
        # Planner statistics for the bulk-loaded tables: without them (autovacuum may be off or
        # not yet run) PostgreSQL estimates near-empty tables and picks plans that read whole
        # tables (docs/performance.md, the caseload case).
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return DemoSummary(counts=dict(builder.counts))


def accounts_only(engine: Engine, *, today: date | None = None) -> None:
    """The reference data, the demo accounts and their organisations, nothing else: an empty
    centre to log into (the floor of ``python -m fleming bench``'s page timings)."""
    with engine.begin() as conn:
        session = Session(bind=conn)
        try:
            reference.seed_reference_data(session=session)
            session.flush()
        finally:
            session.close()
        builder = _Builder(
            conn,
            volumes=Volumes.scaled(1),
            seed=DEFAULT_SEED,
            today=today or date.today(),
            progress=None,
        )
        builder.accounts()
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn)


def _reset_sequences(conn) -> None:
    """After inserting explicit ids, move each serial sequence past the largest id."""
    for table in Base.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or pk[0].name != "id" or not isinstance(pk[0].type, Integer):
            continue
        name = table.name
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {name}"
            )
        )


# =========================================================================== fixed data
PARTNERS = (
    (
        "Soleterre",
        "Fondazione che sostiene persone in condizioni di vulnerabilità: supporto psicologico, "
        "legale e abitativo.",
        "milano@soleterre.example.org",
    ),
    (
        "Terre des Hommes",
        "Organizzazione per la protezione dei minori e delle famiglie, con progetti di "
        "accoglienza per persone migranti.",
        "accoglienza@tdh.example.org",
    ),
    (
        "Croce Rossa Italiana",
        "Comitato di Milano: servizi di accoglienza, orientamento sociale e sanitario.",
        "inclusione@cri-milano.example.org",
    ),
)

# username, full name, role, partner index (for partner users)
USERS = (
    ("admin", "Amministratore Demo", "admin", None),
    ("coordinatore", "Coordinatrice Demo", "coordinator", None),
    ("tutor", "Tutor Demo", "tutor", None),
    ("partner", "Referente Soleterre (demo)", "partner", 0),
    ("roberta.villa", "Roberta Villa", "coordinator", None),
    ("giulia.ferri", "Giulia Ferri", "tutor", None),
    ("paolo.mariani", "Paolo Mariani", "tutor", None),
    ("sara.conti", "Sara Conti", "tutor", None),
    ("luca.galli", "Luca Galli", "tutor", None),
    ("federica.rinaldi", "Federica Rinaldi", "tutor", None),
    ("davide.moretti", "Davide Moretti", "tutor", None),
    ("amina.diallo", "Amina Diallo", "tutor", None),
    ("francesca.longo", "Francesca Longo", "partner", 1),
    ("matteo.fontana", "Matteo Fontana", "partner", 2),
)

SETTINGS = {
    "kpi.internships_target_per_year": 300,
    "kpi.hire_rate_target": 0.55,
    "tutoring.not_seen_days": 30,
    "internship.max_months": 6,
    "internship.min_monthly_allowance": 500,
    "internship.min_monthly_allowance_meal_vouchers": 400,
    "internship.full_allowance_min_attendance_percent": 80,
}

MOBILE_PREFIXES = _words(
    "320 324 327 328 329 330 331 333 334 335 336 337 338 339 340 342 345 346 347 348 349 "
    "350 351 366 368 370 371 373 377 380 388 389 391 392 393"
)
MAIL_DOMAINS = ("example.com", "example.org", "example.net")

MILANO = "015146"
ITALIAN_BIRTHPLACES = _words(  # ISTAT codes of the cities many Milanese were born in
    "063049 082053 072006 087015 058091 001272 080063 071024 073027 083048 092009 065116 "
    "017029 016024"
)

# iso2: (weight, name group, share of asylum seekers / protection holders)
ORIGINS: dict[str, tuple[int, str, float]] = {
    "EG": (12, "arab", 0.2),
    "MA": (10, "arab", 0.15),
    "TN": (3, "arab", 0.3),
    "PE": (8, "latin", 0.0),
    "EC": (5, "latin", 0.0),
    "SV": (2, "latin", 0.05),
    "UA": (6, "ukrainian", 0.0),
    "RO": (6, "romanian", 0.0),
    "AL": (5, "albanian", 0.05),
    "PH": (6, "filipino", 0.0),
    "CN": (3, "chinese", 0.0),
    "BD": (6, "bengali", 0.5),
    "PK": (5, "pakistani", 0.7),
    "LK": (5, "srilankan", 0.1),
    "SN": (6, "west_african", 0.5),
    "GM": (4, "west_african", 0.9),
    "ML": (4, "west_african", 0.9),
    "CI": (3, "west_african", 0.8),
    "GN": (3, "west_african", 0.9),
    "NG": (6, "nigerian", 0.8),
    "ER": (3, "east_african", 0.95),
    "SO": (3, "east_african", 0.95),
    "AF": (2, "afghan", 0.95),
}
SPANISH_SPEAKING = frozenset({"PE", "EC", "SV"})

# group: (male first names, female first names, surnames)
NAMES: dict[str, tuple[str, str, str]] = {
    "arab": (
        "Mohamed Ahmed Mahmoud Mostafa Youssef Omar Karim Hassan Ibrahim Khaled Amr Tarek Hamza "
        "Ayoub Rachid Said Nabil Walid Yassine Anas Adil Samir",
        "Fatima Khadija Amina Salma Nour Mariam Yasmine Hanan Samira Zineb Nadia Asmaa Imane "
        "Sara Rania Aya Hajar",
        "El_Sayed Abdelrahman Mahmoud Hassan Ibrahim Mostafa Ali Ahmed Farouk Saleh Mansour "
        "Benali El_Idrissi El_Amrani Bouzid Alaoui Haddad Chraibi Tazi Bennani Ouali Ben_Salah "
        "Trabelsi Jebali Mejri",
    ),
    "latin": (
        "José Luis Carlos Jorge Juan Miguel Christian Kevin Diego Wilson Édgar Fernando Jhonatan "
        "Víctor Raúl",
        "María Rosa Carmen Ana Lucía Milagros Gabriela Jessica Karen Sofía Elizabeth Patricia "
        "Gladys Yesenia",
        "Quispe Flores Rodríguez García Huamán Mamani Torres Vásquez Rojas Sánchez Chávez "
        "Ramírez Mendoza Castillo Vera Zambrano Cedeño Mora Hernández López",
    ),
    "ukrainian": (
        "Oleksandr Andrii Serhii Dmytro Ivan Mykola Volodymyr Yurii Vasyl Bohdan Taras",
        "Olena Iryna Nataliia Tetiana Oksana Yuliia Svitlana Halyna Mariia Viktoriia Liudmyla",
        "Kovalenko Shevchenko Bondarenko Tkachenko Kravchenko Melnyk Boiko Koval Moroz Lysenko "
        "Savchenko Rudenko Marchenko Polishchuk Kovalchuk",
    ),
    "romanian": (
        "Ion Andrei Mihai Alexandru Florin Gheorghe Constantin Marius Ionuț Adrian Cristian Vasile",
        "Maria Elena Ana Ioana Mihaela Andreea Gabriela Florentina Daniela Cristina Alina Roxana",
        "Popescu Ionescu Popa Radu Dumitru Stan Stoica Gheorghe Matei Ciobanu Munteanu "
        "Constantin Marin Tudor Moldovan",
    ),
    "albanian": (
        "Arben Besnik Ermal Gentian Ilir Klodian Dritan Fatmir Erion Altin Sokol Elton",
        "Arta Elira Anila Blerina Entela Mirela Alketa Jonida Valbona Denada Klea",
        "Hoxha Shehu Leka Dervishi Gjoka Kola Marku Prifti Xhafa Basha Cela Gjoni Hysa Muça Zeqiri",
    ),
    "filipino": (
        "Jose Mark_Anthony John_Paul Rommel Jerome Ramon Ariel Jayson Reynaldo Michael Christopher",
        "Maria_Cristina Marites Jocelyn Rowena Analyn Lorna Marilou Rosalie Jennifer Mary_Grace",
        "Santos Reyes Cruz Bautista Garcia Mendoza Dela_Cruz Ramos Aquino Villanueva Castillo "
        "Fernandez Del_Rosario Manalo Pascual",
    ),
    "chinese": (
        "Wei Jun Hao Lei Jie Ming Qiang Jian Yong Bin Chao",
        "Mei Li Xiuying Ying Fang Jing Hui Yan Lan Xiaomin",
        "Chen Hu Zhou Wang Zhang Liu Lin Huang Ye Xu Wu Zheng Jin Pan",
    ),
    "bengali": (
        "Mohammad Abdul Rahim Karim Mizanur Shahidul Rafiqul Jahangir Arif Sohel Masud Shafiqul",
        "Nasima Shirin Rokeya Fatema Sultana Ruma Taslima Shapla Mitu Nasrin",
        "Hossain Rahman Islam Ahmed Akter Begum Uddin Miah Khan Chowdhury Sarker Alam Haque "
        "Talukder",
    ),
    "pakistani": (
        "Muhammad Ali Imran Bilal Usman Asif Kashif Naveed Shahid Tariq Zeeshan Waqas",
        "Ayesha Sana Fatima Saima Nadia Bushra Amna Hina Rabia Sadia",
        "Khan Hussain Ahmed Iqbal Malik Shah Butt Qureshi Chaudhry Javed Raza Aslam Akhtar Bashir",
    ),
    "srilankan": (
        "Nuwan Chaminda Kasun Dilshan Pradeep Roshan Sampath Ruwan Tharindu Lahiru Mahesh",
        "Nirosha Chathurika Dilani Sanduni Kumari Nadeesha Ishara Madushani Anoma Shanika",
        "Perera Fernando De_Silva Jayasinghe Wickramasinghe Kumara Bandara Rathnayake Herath "
        "Dissanayake Gunawardena Senanayake Peiris",
    ),
    "west_african": (
        "Mamadou Ousmane Ibrahima Moussa Lamin Modou Abdoulaye Sekou Alassane Bakary Cheikh "
        "Amadou Souleymane Ebrima Omar Yaya",
        "Aissatou Fatou Awa Mariama Aminata Kadiatou Binta Ndeye Isatou Mariatou Fatoumata",
        "Diallo Ba Ndiaye Diop Sow Camara Touré Keita Traoré Coulibaly Jallow Ceesay Sanneh Bah "
        "Barry Konaté Cissé Sylla Fofana Sissoko Kouyaté Bamba Kouassi Ouattara",
    ),
    "nigerian": (
        "Chinedu Emeka Oluwaseun Tunde Ikechukwu Samuel Daniel Godwin Osaze Efosa Uche Kelvin "
        "Friday",
        "Blessing Joy Precious Favour Chioma Ngozi Esther Gift Osas Faith Peace",
        "Okafor Okeke Adeyemi Eze Osagie Obi Nwosu Igbinedion Omoregie Edosa Adebayo Ogunleye "
        "Okonkwo Aigbe Osaro",
    ),
    "east_african": (
        "Tesfaye Yonas Daniel Semere Abdi Ahmed Mohamed Abdirahman Filmon Habtom Mehari Yusuf "
        "Hassan Dawit",
        "Helen Selam Saba Hodan Amina Luwam Feven Hawa Fadumo Ruth Senait",
        "Tesfay Haile Gebremedhin Tekle Mohamud Abdi Warsame Osman Yusuf Ghebreyesus Mehari "
        "Hussein Ali Kidane Berhane Farah",
    ),
    "afghan": (
        "Ahmad Mohammad Ali Reza Hamid Jawad Farid Najib Sayed Rahmatullah Wahid",
        "Zahra Fatima Maryam Shabnam Farzana Nargis Mahsa Sakina",
        "Ahmadi Rahimi Hashimi Karimi Haidari Sultani Mohammadi Jafari Nazari Hussaini Amiri Sadat",
    ),
}
NAME_LISTS = {group: tuple(_words(names) for names in lists) for group, lists in NAMES.items()}

# trade mix by sex (weights), interns and others alike
TRADE_WEIGHTS = {
    "M": {
        "catering": 35,
        "electrical": 22,
        "interior_maintenance": 23,
        "gardening": 15,
        "tailoring": 5,
    },
    "F": {
        "catering": 40,
        "electrical": 3,
        "interior_maintenance": 15,
        "gardening": 7,
        "tailoring": 35,
    },
}

# ATECO division: (companies at scale 1, trades its vacancies belong to, employee profile)
SECTORS: dict[str, tuple[int, tuple[str | None, ...], str]] = {
    "56": (120, ("catering",), "small"),
    "55": (35, ("catering", "interior_maintenance"), "medium"),
    "10": (25, ("catering",), "small"),
    "43": (60, ("electrical", "interior_maintenance"), "small"),
    "81": (80, ("interior_maintenance", "gardening"), "large"),
    "14": (25, ("tailoring",), "small"),
    "96": (10, ("tailoring",), "micro"),
    "47": (55, ("catering", "tailoring", None), "medium"),
    "46": (15, (None, "catering"), "medium"),
    "52": (15, (None, "interior_maintenance"), "large"),
    "88": (10, ("catering", "gardening", "tailoring"), "medium"),
}
SIZE_PROFILES = {  # (low, high) employee ranges with weights
    "micro": (((0, 5), 70), ((6, 20), 30)),
    "small": (((0, 5), 40), ((6, 20), 45), ((21, 50), 12), ((51, 250), 3)),
    "medium": (((0, 5), 15), ((6, 20), 40), ((21, 50), 25), ((51, 250), 17), ((251, 2000), 3)),
    "large": (((6, 20), 25), ((21, 50), 30), ((51, 250), 35), ((251, 3000), 10)),
}
NEIGHBOURHOODS = _words(
    "Brera Navigli Isola Lambrate Bovisa Niguarda Lorenteggio Giambellino Corvetto Gorla "
    "Precotto Turro Sempione Ticinese Barona Affori Bicocca Greco Baggio Ortica Dergano "
    "Loreto Calvairate Gratosoglio Chiesa_Rossa Vigentino Forlanini Citta_Studi Porta_Romana "
    "Porta_Venezia"
)
NOUNS = _words(
    "Girasole Melograno Ulivo Tulipano Arcobaleno Quadrifoglio Incontro Ponte Filo Orizzonte "
    "Germoglio Sorriso Gelso Glicine Cortile Naviglio Portico Mattone Ago Rosmarino"
)
LEGAL_FORMS = ("S.r.l.", "S.r.l.", "S.n.c.", "S.a.s.", "S.r.l.s.", "S.p.A.", "")

# vacancy titles by trade: (title, ISCO-08 code, ESCO occupation URI or None)
_OCC = "http://data.europa.eu/esco/occupation/"
JOB_TITLES: dict[str | None, tuple[tuple[str, str, str | None], ...]] = {
    "catering": (
        ("Aiuto cuoco/a", "9412", _OCC + "e1cf6897-158d-4b48-a39e-2a3a8cac216c"),
        ("Cuoco/a", "5120", _OCC + "90f75f67-495d-49fa-ab57-2f320e251d7e"),
        ("Lavapiatti", "9412", _OCC + "f756fdab-7726-4c48-bfcc-94ff8810fc08"),
        ("Cameriere/a di sala", "5131", _OCC + "d5db9d5c-2ebf-4a54-a79a-1b7e7ff70471"),
        ("Barista", "5132", _OCC + "bf7d8b16-4e2c-48ef-b44e-dc25b2d0ab61"),
        ("Pizzaiolo/a", "9411", _OCC + "a02a1117-212f-4a49-b21a-d3b971e00e48"),
        (
            "Addetto/a alla ristorazione collettiva",
            "5246",
            _OCC + "b4bff870-5c8f-4c33-b07f-f04d79830633",
        ),
    ),
    "electrical": (
        ("Elettricista junior", "7411", _OCC + "4910419f-b4af-4f59-b544-9dbebc8a74f0"),
        (
            "Aiuto elettricista impianti civili",
            "7411",
            _OCC + "5dbb9cf0-b226-402c-a295-2f42ef05ff8b",
        ),
        ("Elettricista di cantiere", "7411", _OCC + "33960bab-4423-4808-af6c-ec2b485dba41"),
    ),
    "interior_maintenance": (
        ("Imbianchino/a", "7131", _OCC + "15620506-fb5d-49cd-87a2-1c9047fb406a"),
        ("Manutentore/trice di stabili", "5153", _OCC + "1822bfc2-e735-449f-ba00-ca71eb5c062b"),
        (
            "Addetto/a alle piccole manutenzioni",
            "9622",
            _OCC + "f4a25243-b06a-42a9-9c69-246853df63ad",
        ),
        ("Addetto/a alle pulizie", "9112", _OCC + "303a1e34-cb16-4054-b323-81e5eec17397"),
        ("Cameriere/a ai piani", "9112", _OCC + "731ecac4-06e8-4ec2-a559-101fecbd9183"),
    ),
    "gardening": (
        ("Giardiniere/a", "6113", _OCC + "e7970c7a-7769-4002-87d3-0a8ea94fdd6f"),
        (
            "Addetto/a alla manutenzione del verde",
            "6113",
            _OCC + "e7970c7a-7769-4002-87d3-0a8ea94fdd6f",
        ),
        ("Operaio/a florovivaista", "9214", _OCC + "1a9d99ba-4c08-4864-8f6a-1b0f2b4cf883"),
    ),
    "tailoring": (
        ("Sarto/a", "7531", _OCC + "978ae3a2-0831-415a-8396-b84dde656fc5"),
        (
            "Addetto/a alle riparazioni sartoriali",
            "8153",
            _OCC + "db55bf08-3ad3-4bf6-bf59-7f9f426a6de5",
        ),
        ("Cucitore/trice a macchina", "8153", _OCC + "7d4266b3-2108-4330-b27b-430a96012c21"),
        ("Addetto/a lavanderia e stireria", "8157", _OCC + "0da51178-e386-4534-ae71-15ba789ad756"),
    ),
    None: (
        (
            "Addetto/a al rifornimento scaffali",
            "9334",
            _OCC + "d35f9e79-5778-43b4-8667-0e3ba1fcb19a",
        ),
        ("Magazziniere/a", "9333", None),
    ),
}
CONTACT_ROLES = {
    "56": ("Titolare", "Chef", "Responsabile di sala"),
    "55": ("Direttore/trice", "Responsabile del personale", "Governante"),
    "10": ("Titolare", "Responsabile di produzione"),
    "43": ("Titolare", "Capocantiere", "Responsabile tecnico"),
    "81": ("Responsabile del personale", "Coordinatore/trice dei servizi", "Capo squadra"),
    "14": ("Titolare", "Responsabile di laboratorio"),
    "96": ("Titolare",),
    "47": ("Direttore/trice del punto vendita", "Responsabile del personale", "Titolare"),
    "46": ("Responsabile del personale", "Responsabile di magazzino"),
    "52": ("Responsabile del personale", "Responsabile di magazzino"),
    "88": ("Presidente", "Coordinatore/trice", "Responsabile inserimenti lavorativi"),
}

# --------------------------------------------------------------------------- Italian texts
PERSON_NOTES = (
    "Motivata/o, cerca un lavoro stabile vicino a casa.",
    "Disponibile a turni serali e nei fine settimana.",
    "Ha esperienza informale nel settore nel paese di origine.",
    "Necessita di orari compatibili con la cura dei figli.",
    "Segue un corso serale per la licenza media.",
    "Preferisce lavorare in squadra; timida/o nei primi colloqui.",
    "Ha lavorato in passato con contratti brevi e stagionali.",
    "Interessata/o a un percorso nel settore indicato.",
)
CLOSING_REASONS = (
    "Abbandono del percorso",
    "Trasferimento fuori dal territorio",
    "Trovato lavoro autonomamente",
    "Presa in carico da altro servizio",
    "Percorso concluso senza inserimento lavorativo",
    "Non più reperibile",
)
NOT_HIRED_REASONS = (
    "L'azienda non ha posizioni aperte al termine del tirocinio",
    "Competenze non ancora sufficienti per l'assunzione",
    "La persona ha preferito proseguire la formazione",
    "L'azienda ha ridotto il personale",
    "Contratto proposto non compatibile con gli impegni familiari",
)
INTERRUPTED_REASONS = (
    "Assenze ripetute non giustificate",
    "Problemi di salute",
    "Trasferimento in altra città",
    "Difficoltà di inserimento nel gruppo di lavoro",
    "Assunzione presso un'altra azienda",
    "Rinuncia della persona",
)
REJECT_REASONS = (
    "Profilo non in linea con la richiesta",
    "Livello di italiano non sufficiente",
    "L'azienda ha scelto un altro candidato",
    "Non disponibile per gli orari richiesti",
)
WITHDRAW_REASONS = (
    "La persona ha rinunciato",
    "La persona ha trovato un altro lavoro",
    "Distanza eccessiva dal luogo di lavoro",
)
VACANCY_CLOSED_REASONS = (
    "Posizione coperta dall'azienda con altri canali",
    "Nessun profilo adeguato",
    "Esigenza venuta meno",
    "Annullata dall'azienda",
)
MEETING_NOTES = {
    "start": (
        "Colloquio di accoglienza: ricostruite esperienze di lavoro e aspettative.",
        "Presentato il percorso e le attività del centro; condivisi gli obiettivi.",
        "Raccolti i documenti; verificata la DID e lo stato del permesso di soggiorno.",
        "Primo colloquio: la persona racconta la propria situazione familiare e abitativa.",
    ),
    "path": (
        "Fatto il punto sul laboratorio: frequenza regolare, buona partecipazione.",
        "Discusso il bilancio di competenze; emerse competenze trasversali solide.",
        "Lavorato sul CV e sulla lettera di presentazione.",
        "Simulazione di colloquio di lavoro; da migliorare la presentazione di sé.",
        "Segnalate difficoltà con gli orari del corso di italiano: trovata una soluzione.",
        "Concordato di cercare un tirocinio nel settore di interesse.",
        "Verificati i progressi in italiano: migliora la comprensione orale.",
    ),
    "internship": (
        "Visita in azienda: il tutor aziendale è soddisfatto dell'impegno.",
        "Telefonata di verifica: qualche difficoltà con i turni, da monitorare.",
        "Incontro a metà tirocinio: buona autonomia nelle mansioni di base.",
        "La persona riferisce un buon clima con i colleghi.",
    ),
    "end": (
        "Colloquio di chiusura: restituita la griglia delle competenze.",
        "Valutato l'esito del tirocinio con la persona e l'azienda.",
        "Orientamento a corsi accreditati per ottenere una qualifica.",
    ),
}
NEXT_STEPS = (
    "Prossimo incontro tra due settimane",
    "Inviare il CV aggiornato",
    "Iscrizione al prossimo laboratorio",
    "Contattare l'azienda per un colloquio",
    "Portare i documenti mancanti",
    "Verificare la disponibilità oraria",
)
SCOUTING = (
    ("telefono", "Primo contatto telefonico: interesse per tirocini", "Inviare presentazione"),
    ("visita", "Visita in azienda: presentati i servizi del centro", "Firmare la convenzione"),
    ("e-mail", "Inviata presentazione dei profili disponibili", "Richiamare tra un mese"),
    ("evento", "Incontro all'evento di quartiere per le imprese", "Fissare una visita"),
    ("telefono", "Raccolto un fabbisogno di personale", "Preparare la rosa di candidati"),
    ("visita", "Verifica dei tirocini in corso", None),
)
RATING_NOTES = (
    "Osservato durante le attività pratiche.",
    "Migliorata l'autonomia rispetto all'inizio.",
    "Da consolidare con ulteriore pratica.",
    "Valutazione concordata con il tutor aziendale.",
)
CHECK_NOTES = (
    "Puntuale e collaborativa/o; buona crescita nelle mansioni.",
    "Qualche assenza ma impegno costante.",
    "Il tutor aziendale segnala difficoltà nella comprensione delle istruzioni.",
    "Ottimo inserimento nel gruppo di lavoro.",
)
LANGUAGE_RATING = {"PRE_A1": 0, "A1": 0, "A2": 1, "B1": 2, "B2": 3, "C1": 3, "C2": 3}
CORE_COMPETENCES = frozenset(  # transversal and digital competences assessed most often
    {"teamwork", "reliability", "safety_rules", "follow_instructions", "hardware", "communication"}
)
HEALTH_NOTE = "Certificazione di invalidità civile; nessuna limitazione per lavori leggeri."
MOTIVATIONS = (
    "Conosciamo la persona da due anni: affidabile, molto motivata e con esperienza nel settore.",
    "Ha completato con successo il nostro corso di italiano e cerca un lavoro stabile.",
    "Persona seguita dal nostro servizio legale, ora pronta per un inserimento lavorativo.",
)


# =========================================================================== small helpers
def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _letters(text_: str) -> str:
    plain = unicodedata.normalize("NFKD", text_).encode("ascii", "ignore").decode().upper()
    return re.sub(r"[^A-Z]", "", plain)


def _cf_part(text_: str, *, is_name: bool) -> str:
    letters = _letters(text_)
    consonants = [c for c in letters if c not in "AEIOU"]
    vowels = [c for c in letters if c in "AEIOU"]
    if is_name and len(consonants) >= 4:
        consonants = [consonants[0], consonants[2], consonants[3]]
    return ("".join(consonants + vowels) + "XXX")[:3]


def tax_code(last_name: str, first_name: str, birth: date, sex: str, belfiore: str) -> str:
    """The 16-character codice fiscale (without omocodia) for these personal data."""
    day = birth.day + (40 if sex == "F" else 0)
    body = (
        _cf_part(last_name, is_name=False)
        + _cf_part(first_name, is_name=True)
        + f"{birth.year % 100:02d}"
        + "ABCDEHLMPRST"[birth.month - 1]
        + f"{day:02d}"
        + belfiore
    )
    return body + codicefiscale.calc_check_digit(body)


def numeric_code(rng: random.Random, office: str = "015") -> str:
    """An 11-digit numeric code with a valid check digit (partita IVA / provisional tax code)."""
    body = f"{rng.randrange(1, 10_000_000):07d}{office}"
    return body + luhn.calc_check_digit(body)


def mobile(rng: random.Random) -> str:
    return f"+39 {rng.choice(MOBILE_PREFIXES)} {rng.randrange(1_000_000, 10_000_000)}"


def _weighted(rng: random.Random, weights: dict[Any, float]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _at(day: date, rng: random.Random, start_hour: int = 8, end_hour: int = 18) -> datetime:
    minute = rng.randrange(start_hour * 60, end_hour * 60)
    return datetime.combine(day, time(minute // 60, minute % 60, rng.randrange(60)))


def _exact_flags(rng: random.Random, n: int, share: float) -> list[bool]:
    """n booleans of which round(n * share) are True, in random order."""
    k = round(n * share)
    flags = [True] * k + [False] * (n - k)
    rng.shuffle(flags)
    return flags


def _sample_weighted(rng: random.Random, weights: dict[Any, float], k: int) -> list:
    """``k`` distinct keys drawn with probability in proportion to their weight."""
    keyed = sorted(weights, key=lambda item: rng.random() ** (1.0 / weights[item]), reverse=True)
    return keyed[:k]


def _slug(text_: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", _letters(text_).lower())


def _quota(employees: int) -> int:
    """Lombardy host quota: 1 intern with 0-5 employees, 2 with 6-20, 10% above."""
    if employees <= 5:
        return 1
    if employees <= 20:
        return 2
    return employees // 10


# =========================================================================== plans
@dataclass
class _Company:
    id: int
    division: str
    trades: tuple[str | None, ...]
    employees: int
    status: str
    active_from: date | None  # first convention
    windows: list[tuple[date, date]] = field(default_factory=list)  # internship conventions
    busy: list[tuple[date, date]] = field(default_factory=list)  # internships
    contact_names: list[str] = field(default_factory=list)
    created: date = date.min

    def covered(self, start: date) -> bool:
        return any(a <= start < b for a, b in self.windows)

    def has_room(self, start: date, end: date) -> bool:
        overlapping = sum(1 for a, b in self.busy if a <= end and start <= b)
        return overlapping < _quota(self.employees)


@dataclass
class _Internship:
    id: int
    start: date
    planned_end: date
    trade: str = ""
    person: _Person | None = None
    company: _Company | None = None
    status: str = "active"
    outcome: str | None = None
    actual_end: date | None = None
    hire_date: date | None = None
    vacancy_id: int | None = None
    entry_id: int | None = None
    row: dict = field(default_factory=dict)

    @property
    def end(self) -> date:
        return self.actual_end or self.planned_end


@dataclass
class _Person:
    id: int
    intake: date
    foreign: bool
    sex: str
    trade: str
    intern: _Internship | None = None
    row: dict = field(default_factory=dict)
    age: int = 0
    did: date | None = None
    pact: date | None = None
    status: str = "intake"
    end: date | None = None  # closed or hired on
    tutor: int | None = None
    partner_idx: int | None = None
    sharing: set[int] = field(default_factory=set)  # partner indexes with live consent
    enrolment: tuple | None = None  # (edition, enrolment id, status, completed_on, hours)
    level: str = "C2"
    trade_comps: list[int] = field(default_factory=list)
    last_levels: dict[int, int] = field(default_factory=dict)
    history: dict[int, list[tuple[date, int]]] = field(default_factory=dict)  # ratings by comp

    @property
    def available_until(self) -> date:
        """Until when the person can be proposed for a job (path end or internship start)."""
        limits = [d for d in (self.end, self.intern.start if self.intern else None) if d]
        return min(limits) if limits else date.max


# =========================================================================== the builder
class _Builder:
    def __init__(
        self, conn, *, volumes: Volumes, seed: int, today: date, progress: Progress | None
    ):
        from faker import Faker

        self.conn = conn
        self.volumes = volumes
        self.scale = volumes.factor
        self.seed = seed
        self.today = today
        self.start = today - timedelta(days=HISTORY_DAYS)
        self.progress = progress
        self.counts: Counter[str] = Counter()
        self.fake = Faker("it_IT")
        self.fake.seed_instance(seed)
        self.ids: dict[str, int] = {}
        for table in Base.metadata.sorted_tables:
            pk = list(table.primary_key.columns)
            if len(pk) == 1 and pk[0].name == "id":
                self.ids[table.name] = (conn.scalar(select(func.max(pk[0]))) or 0) + 1
        self.audit: list[dict] = []
        self.used_tax_codes: set[str] = set(conn.scalars(select(Person.tax_code)))
        self.used_vat: set[str] = set(conn.scalars(select(Company.vat_number)))
        self._load_reference()

    # ------------------------------------------------------------------ plumbing
    def rng(self, phase: str) -> random.Random:
        return random.Random(f"{self.seed}:{phase}")

    def n(self, base: float) -> int:
        return max(1, round(base * self.scale))

    def next_id(self, table: Table | type) -> int:
        name = table.name if isinstance(table, Table) else table.__tablename__
        value = self.ids[name]
        self.ids[name] = value + 1
        return value

    def insert(self, model: type, rows: Iterable[dict]) -> None:
        table = model.__table__
        iterator = iter(rows)
        while chunk := list(itertools.islice(iterator, CHUNK)):
            self.conn.execute(table.insert(), chunk)
            self.counts[table.name] += len(chunk)

    def step(self, fraction: float, label: str) -> None:
        if self.progress is not None:
            self.progress(fraction, label)

    def log(self, day_or_dt, actor: int, action: str, entity: str, entity_id: int, **extra):
        at = day_or_dt if isinstance(day_or_dt, datetime) else datetime.combine(day_or_dt, time(9))
        self.audit.append(
            {
                "at": at,
                "actor_id": actor,
                "actor_username": self.usernames[actor],
                "action": action,
                "entity": entity,
                "entity_id": str(entity_id),
                "person_id": extra.pop("person_id", None),
                "changes": extra or None,
            }
        )

    def _load_reference(self) -> None:
        self.trade_ids = dict(self.conn.execute(select(Trade.code, Trade.id)).all())
        trade_codes = {v: k for k, v in self.trade_ids.items()}
        rows = self.conn.execute(
            select(Competence.id, Competence.code, Competence.area, Competence.trade_id)
            .where(Competence.retired_at.is_(None))
            .order_by(Competence.id)
        ).all()
        self.comps_by_trade: dict[str, list[int]] = defaultdict(list)
        self.comps_by_area: dict[str, list[int]] = defaultdict(list)
        self.comp_code: dict[int, str] = {}
        for cid, code, area, trade_id in rows:
            area = CompetenceArea(area).value
            self.comp_code[cid] = code
            self.comps_by_area[area].append(cid)
            if trade_id is not None:
                self.comps_by_trade[trade_codes[trade_id]].append(cid)
        self.lang_speaking = [
            c for c in self.comps_by_area["language"] if "speak" in self.comp_code[c]
        ]
        self.lang_listening = [
            c for c in self.comps_by_area["language"] if "listen" in self.comp_code[c]
        ]
        # how often a competence is assessed: the first competences of each trade (the basics
        # of the workshop) and the core transversal and digital ones far more than the others
        self.comp_weight: dict[int, float] = {}
        for comps in self.comps_by_trade.values():
            for i, cid in enumerate(comps):
                self.comp_weight[cid] = 6.0 if i < 4 else 1.0
        for cid, code in self.comp_code.items():
            if code.split(".")[-1] in CORE_COMPETENCES:
                self.comp_weight[cid] = 4.0
        self.trades = [
            t
            for t in ("catering", "electrical", "interior_maintenance", "gardening", "tailoring")
            if t in self.trade_ids
        ]
        metro = reference.metro_comuni()
        self.metro_codes = [c.istat_code for c in metro if c.istat_code != MILANO]
        self.all_comuni = reference.comuni()
        self.countries = reference.country_by_iso2()

    # ------------------------------------------------------------------ run
    def run(self) -> None:
        phases: list[tuple[str, Callable[[], None]]] = [
            ("accounts", self.accounts),
            ("companies", self.companies),
            ("internships", self.plan_internships),
            ("people", self.people),
            ("workshops", self.workshops),
            ("competence ratings", self.ratings),
            ("vacancies", self.vacancies),
            ("internships", self.internships),
            ("paths", self.paths),
            ("tutoring", self.meetings),
            ("audit log", self.audit_log),
        ]
        for index, (label, phase) in enumerate(phases, start=1):
            phase()
            self.step(index / len(phases), label)

    # ------------------------------------------------------------------ accounts
    def accounts(self) -> None:
        from fleming.auth import hash_password

        partner_ids = []
        rows = []
        for name, description, email in PARTNERS:
            pid = self.next_id(PartnerOrganisation)
            partner_ids.append(pid)
            rows.append(
                {
                    "id": pid,
                    "name": name,
                    "description": description,
                    "email": email,
                    "active": True,
                    "created_at": datetime.combine(self.start, time(10)),
                    "version": 1,
                }
            )
        self.insert(PartnerOrganisation, rows)
        self.partner_ids = partner_ids

        password_hash = hash_password(DEMO_PASSWORD)  # bcrypt is slow: hash once
        rows = []
        self.user_ids: dict[str, int] = {}
        self.usernames: dict[int, str] = {}
        for username, full_name, role, partner_idx in USERS:
            uid = self.next_id(User)
            self.user_ids[username] = uid
            self.usernames[uid] = username
            rows.append(
                {
                    "id": uid,
                    "username": username,
                    "full_name": full_name,
                    "email": f"{username}@centrofleming.example.org",
                    "password_hash": password_hash,
                    "role": role,
                    "partner_org_id": None if partner_idx is None else partner_ids[partner_idx],
                    "active": True,
                    "failed_attempts": 0,
                    "locked_until": None,
                    "last_login_at": None,
                    "created_at": datetime.combine(self.start, time(9)),
                    "version": 1,
                }
            )
        self.insert(User, rows)
        self.tutors = [self.user_ids[u] for u, _, role, _ in USERS if role == "tutor"]
        self.coordinators = [self.user_ids[u] for u, _, role, _ in USERS if role == "coordinator"]
        self.partner_users = {
            idx: self.user_ids[u] for u, _, role, idx in USERS if role == "partner"
        }
        self.staff = self.tutors + self.coordinators
        self.insert(
            Setting,
            (
                {
                    "key": key,
                    "value": value,
                    "updated_at": datetime.combine(self.start, time(9)),
                    "version": 1,
                }
                for key, value in SETTINGS.items()
            ),
        )

    # ------------------------------------------------------------------ companies
    def _company_name(self, rng: random.Random, division: str) -> str:
        surname = self.fake.last_name()
        first = self.fake.first_name()
        place = rng.choice(NEIGHBOURHOODS)
        noun = rng.choice(NOUNS)
        form = rng.choice(LEGAL_FORMS)
        patterns = {
            "56": (
                f"Trattoria da {first}",
                f"Ristorante Il {noun}",
                f"Pizzeria {surname}",
                f"Bar {place}",
                f"Osteria del {noun}",
                f"Bistrot {place} {form}",
                f"Tavola calda {surname}",
            ),
            "55": (f"Hotel {place}", f"Albergo {noun}", f"Residence {place} {form}"),
            "10": (
                f"Panificio {surname}",
                f"Pasticceria {surname}",
                f"Gastronomia {surname} {form}",
            ),
            "43": (
                f"Impianti Elettrici {surname} {form}",
                f"Elettro{surname} {form}",
                f"{surname} Ristrutturazioni {form}",
                f"Edil {place} {form}",
            ),
            "81": (
                f"{surname} Multiservizi Soc. Coop.",
                f"Pulizie {place} {form}",
                f"Verde {place} Soc. Coop.",
                f"Giardini {surname}",
                f"Global Service {place} {form}",
            ),
            "14": (f"Sartoria {surname}", f"Confezioni {surname} {form}", f"Atelier {first}"),
            "96": (f"Lavanderia {place}", f"Tintoria {surname}", f"Riparazioni sartoriali {first}"),
            "47": (
                f"Supermercato {place}",
                f"Alimentari {surname}",
                f"Boutique {first}",
                f"Minimarket {place}",
                f"Ortofrutta {surname}",
            ),
            "46": (f"{surname} Distribuzione {form}", f"Ingrosso {place} {form}"),
            "52": (f"{place} Logistica {form}", f"Magazzini {surname} {form}"),
            "88": (f"Cooperativa Sociale Il {noun}", f"{noun} Cooperativa Sociale"),
        }
        return " ".join(rng.choice(patterns[division]).split())

    def companies(self) -> None:
        rng = self.rng("companies")
        plan: list[tuple[str, tuple]] = []
        if self.volumes.exact:
            counts = apportion(self.volumes.companies, [c for c, _t, _p in SECTORS.values()])
        else:
            counts = [self.n(count) for count, _t, _p in SECTORS.values()]
        for (division, (_count, trades, _profile)), count in zip(
            SECTORS.items(), counts, strict=True
        ):
            plan += [(division, trades)] * count
        rng.shuffle(plan)
        total = len(plan)
        statuses = (
            ["active"] * round(total * 0.915)
            + ["dormant"] * round(total * 0.045)
            + ["contacted"] * round(total * 0.02)
        )
        statuses += ["prospect"] * (total - len(statuses))
        rng.shuffle(statuses)
        self.company_list: list[_Company] = []
        companies, contacts, scouting, conventions, courses = [], [], [], [], []
        for (division, trades), status in zip(plan, statuses, strict=True):
            cid = self.next_id(Company)
            ranges = SIZE_PROFILES[SECTORS[division][2]]
            low, high = rng.choices([r for r, _ in ranges], weights=[w for _, w in ranges])[0]
            employees = rng.randint(low, high)
            company_trades = (rng.choice(trades),) if division in ("47", "46", "52") else trades
            name = self._company_name(rng, division)
            if status in ("active", "dormant"):
                legacy = rng.random() < 0.6
                if legacy:
                    active_from = self.start - timedelta(days=rng.randrange(0, 2 * YEAR))
                else:
                    active_from = self.start + timedelta(days=rng.randrange(0, HISTORY_DAYS - 20))
                created = (
                    self.start if legacy else active_from - timedelta(days=rng.randrange(10, 90))
                )
            else:
                active_from = None
                created = self.today - timedelta(days=rng.randrange(5, 2 * YEAR))
            created = max(created, self.start)
            company = _Company(cid, division, company_trades, employees, status, active_from)
            company.created = created
            # conventions (internships): three years each, renewed while the company is active
            if active_from is not None:
                signed = active_from
                while True:
                    expires = signed + timedelta(days=3 * YEAR)
                    company.windows.append((signed, expires))
                    conventions.append(
                        {
                            "id": self.next_id(Convention),
                            "company_id": cid,
                            "kind": "internships",
                            "signed_on": signed,
                            "expires_on": expires,
                            "version": 1,
                        }
                    )
                    if expires > self.today:
                        break
                    if status == "dormant" and rng.random() < 0.7:
                        break  # left to expire
                    signed = expires - timedelta(days=rng.randrange(0, 30))
            slug = _slug(name)[:24] or f"azienda{cid}"
            companies.append(
                {
                    "id": cid,
                    "name": name,
                    "vat_number": self._vat(rng),
                    "ateco_code": division,
                    "employees": employees,
                    "address": self.fake.street_address(),
                    "municipality_code": MILANO
                    if rng.random() < 0.7
                    else rng.choice(self.metro_codes),
                    "website": f"https://www.{slug}.example.it" if rng.random() < 0.5 else None,
                    "status": status,
                    "notes": None,
                    "created_at": _at(created, rng),
                    "became_active_on": active_from,
                    "version": 1,
                }
            )
            for _ in range(rng.choice((1, 1, 2))):
                first, last = self.fake.first_name(), self.fake.last_name()
                company.contact_names.append(f"{first} {last}")
                contacts.append(
                    {
                        "id": self.next_id(CompanyContact),
                        "company_id": cid,
                        "name": f"{first} {last}",
                        "role": rng.choice(CONTACT_ROLES[division]),
                        "phone": mobile(rng),
                        "email": f"{_slug(first)}.{_slug(last)}@{slug}.example.it",
                        "version": 1,
                    }
                )
            first_contact = created
            entries = rng.randint(1, 4)
            span = max(1, (self.today - first_contact).days)
            days = sorted(rng.sample(range(span), min(entries, span)))
            for i, offset in enumerate(days):
                channel, outcome, next_step = rng.choice(SCOUTING)
                on = first_contact + timedelta(days=offset)
                last = i == len(days) - 1
                scouting.append(
                    {
                        "id": self.next_id(ScoutingEntry),
                        "company_id": cid,
                        "contacted_on": on,
                        "staff_id": rng.choice(self.staff),
                        "channel": channel,
                        "outcome": outcome,
                        "next_step": next_step if last else None,
                        "next_step_on": on + timedelta(days=rng.randrange(7, 45))
                        if last and next_step
                        else None,
                    }
                )
            if status == "active" and employees >= 21 and rng.random() < 0.12:
                trade = next((t for t in company_trades if t), None)
                begin = self.start + timedelta(days=rng.randrange(30, HISTORY_DAYS - 60))
                hours = rng.choice((40, 60, 80, 120))
                conventions.append(
                    {
                        "id": self.next_id(Convention),
                        "company_id": cid,
                        "kind": "commissioned_training",
                        "signed_on": begin - timedelta(days=rng.randrange(20, 60)),
                        "expires_on": begin + timedelta(days=YEAR),
                        "version": 1,
                    }
                )
                courses.append(
                    {
                        "id": self.next_id(TrainingCourse),
                        "company_id": cid,
                        "title": f"Corso su commessa: {name}"[:200],
                        "trade_id": self.trade_ids.get(trade) if trade else None,
                        "hours": hours,
                        "start_date": begin,
                        "end_date": begin + timedelta(days=hours // 4 * 2),
                        "participants": rng.randint(6, 15),
                        "version": 1,
                    }
                )
            self.company_list.append(company)
            self.log(
                _at(created, rng),
                rng.choice(self.coordinators),
                "create",
                "company",
                cid,
                name=name,
                status=status,
            )
        self.insert(Company, companies)
        self.insert(CompanyContact, contacts)
        self.insert(ScoutingEntry, scouting)
        self.insert(Convention, conventions)
        self.insert(TrainingCourse, courses)
        self.companies_by_trade: dict[str | None, list[_Company]] = defaultdict(list)
        for company in self.company_list:
            for trade in company.trades:
                self.companies_by_trade[trade].append(company)

    def _vat(self, rng: random.Random) -> str:
        while True:
            code = numeric_code(rng, "015")
            if code not in self.used_vat:
                self.used_vat.add(code)
                return code

    # ------------------------------------------------------------------ internship plan
    def plan_internships(self) -> None:
        """Dates and outcomes of ~300 internships a year; people and companies come next."""
        rng = self.rng("internships")
        plans: list[_Internship] = []
        if self.volumes.exact:
            per_year = apportion(self.volumes.internships, list(YEAR_GROWTH))
        else:
            per_year = [self.n(300 * growth) for growth in YEAR_GROWTH]
        for k, count in enumerate(per_year):  # most recent year first
            window_end = self.today - timedelta(days=YEAR * k)
            window_start = window_end - timedelta(days=YEAR)
            low = max(window_start, self.start + timedelta(days=60))
            span = (window_end - low).days
            for _ in range(count):
                start = low + timedelta(days=rng.randrange(span))
                months = rng.choices((3, 4, 5, 6), weights=(15, 25, 25, 35))[0]
                planned_end = add_months(start, months) - timedelta(days=1)
                plans.append(_Internship(0, start, planned_end))
        plans.sort(key=lambda p: p.start)
        for plan in plans:
            plan.id = self.next_id(Internship)
        # early interruptions among the running ones, then exact outcome shares
        running = [p for p in plans if p.planned_end >= self.today]
        ended = [p for p in plans if p.planned_end < self.today]
        early = [p for p in running if (self.today - p.start).days > 30 and rng.random() < 0.08]
        for p in early:
            p.status, p.outcome = "interrupted", "interrupted"
            p.actual_end = p.start + timedelta(days=rng.randrange(14, (self.today - p.start).days))
        total_ended = len(ended) + len(early)
        n_hired = round(total_ended * 0.55)
        n_interrupted = max(0, round(total_ended * 0.15) - len(early))
        outcomes = ["hired"] * n_hired + ["interrupted"] * n_interrupted
        outcomes += ["not_hired"] * (len(ended) - len(outcomes))
        rng.shuffle(outcomes)
        for p, outcome in zip(ended, outcomes, strict=True):
            p.outcome = outcome
            if outcome == "interrupted":
                p.status = "interrupted"
                length = (p.planned_end - p.start).days
                p.actual_end = p.start + timedelta(days=rng.randrange(14, max(15, length - 7)))
            else:
                p.status = "completed"
                p.actual_end = p.planned_end
                if outcome == "hired":
                    p.hire_date = min(
                        self.today, p.actual_end + timedelta(days=rng.randrange(0, 15))
                    )
        self.internship_plans = plans

    # ------------------------------------------------------------------ people
    def people(self) -> None:
        rng = self.rng("people")
        plans = self.internship_plans
        persons: list[_Person] = []
        foreign_flags = _exact_flags(rng, len(plans), 0.40)
        for plan, foreign in zip(plans, foreign_flags, strict=True):
            sex = "M" if rng.random() < (0.78 if foreign else 0.55) else "F"
            trade = _weighted(
                rng, {t: w for t, w in TRADE_WEIGHTS[sex].items() if t in self.trades}
            )
            intake = max(self.start, plan.start - timedelta(days=rng.randrange(60, 241)))
            person = _Person(self.next_id(Person), intake, foreign, sex, trade, intern=plan)
            plan.person, plan.trade = person, trade
            persons.append(person)
        others = max(0, self.volumes.people - len(persons))
        for _ in range(others):
            foreign = rng.random() < 0.45
            sex = "M" if rng.random() < (0.65 if foreign else 0.45) else "F"
            trade = _weighted(
                rng, {t: w for t, w in TRADE_WEIGHTS[sex].items() if t in self.trades}
            )
            intake = self.start + timedelta(days=rng.randrange(HISTORY_DAYS + 1))
            persons.append(_Person(self.next_id(Person), intake, foreign, sex, trade))
        # ids follow intake order, like a real registry
        persons.sort(key=lambda p: (p.intake, p.id))
        ids = sorted(p.id for p in persons)
        for person, pid in zip(persons, ids, strict=True):
            person.id = pid
        self.persons = persons
        self._assign_companies(rng)
        for person in persons:
            self._profile(rng, person)
        self._assign_tutors(rng)
        fragilities, consents = [], []
        for person in persons:
            person.row["tutor_id"] = person.tutor
            fragilities += person.row.pop("_fragilities")
            consents += self._consents(rng, person)
            self.log(
                _at(person.intake, rng),
                person.tutor or rng.choice(self.coordinators),
                "create",
                "person",
                person.id,
                person_id=person.id,
                status="intake",
            )
            if person.status in ("hired", "closed") and person.end:
                self.log(
                    _at(person.end, rng),
                    person.tutor or rng.choice(self.coordinators),
                    "update",
                    "person",
                    person.id,
                    person_id=person.id,
                    status={"from": "active", "to": person.status},
                )
        self.insert(Person, (p.row for p in persons))
        self.insert(PersonFragility, fragilities)
        self.insert(Consent, consents)

    def _assign_companies(self, rng: random.Random) -> None:
        """Host companies for the planned internships, respecting conventions and quotas.

        Bigger companies are drawn more often; a draw is kept only if the company had a valid
        convention when the internship started, is still active (or the internship is more than
        a year old) and has room within its intern quota.
        """
        year_ago = self.today - timedelta(days=YEAR)

        def fits(company: _Company, plan: _Internship) -> bool:
            return (
                company.active_from is not None
                and company.active_from <= plan.start
                and company.covered(plan.start)
                and (company.status == "active" or plan.end < year_ago)
                and company.has_room(plan.start, plan.end)
            )

        cumulative = {
            trade: list(itertools.accumulate((1 + c.employees) ** 0.35 for c in companies))
            for trade, companies in self.companies_by_trade.items()
        }
        dropped = []
        for plan in self.internship_plans:
            companies = self.companies_by_trade.get(plan.trade, [])
            draws = (
                rng.choices(companies, cum_weights=cumulative[plan.trade], k=40)
                if companies
                else []
            )
            chosen = next((c for c in draws if fits(c, plan)), None)
            if chosen is None:
                remaining = [c for c in companies if fits(c, plan)]
                chosen = rng.choice(remaining) if remaining else None
            if chosen is None:
                dropped.append(plan)
                continue
            chosen.busy.append((plan.start, plan.end))
            plan.company = chosen
        for plan in dropped:  # no host found: the person simply has no internship
            plan.person.intern = None
            self.internship_plans.remove(plan)

    def _name(self, rng: random.Random, person: _Person, origin: str) -> tuple[str, str]:
        if not person.foreign and origin == "IT":
            first = (
                self.fake.first_name_male() if person.sex == "M" else self.fake.first_name_female()
            )
            return first, self.fake.last_name()
        males, females, surnames = NAME_LISTS[ORIGINS[origin][1]]
        return rng.choice(males if person.sex == "M" else females), rng.choice(surnames)

    def _profile(self, rng: random.Random, person: _Person) -> None:
        today = self.today
        intake = person.intake
        intern = person.intern
        # --- origin, legal status, Italian level
        if person.foreign:
            citizenship = _weighted(rng, {k: v[0] for k, v in ORIGINS.items()})
            propensity = ORIGINS[citizenship][2]
            born_in_italy = propensity < 0.5 and rng.random() < 0.06
            if self.countries[citizenship].eu:
                legal = "eu_citizen"
            elif citizenship == "UA" or born_in_italy or rng.random() >= propensity:
                legal = "other_permit"
            else:
                legal = rng.choices(
                    ("asylum_seeker", "international_protection", "special_protection"),
                    weights=(40, 38, 22),
                )[0]
            country_of_birth = "IT" if born_in_italy else citizenship
            if born_in_italy:
                level = rng.choice(("B2", "C1", "C2"))
            elif legal == "asylum_seeker":
                level = rng.choices(("PRE_A1", "A1", "A2", "B1"), weights=(25, 40, 30, 5))[0]
            elif legal in ("international_protection", "special_protection"):
                level = rng.choices(("A1", "A2", "B1", "B2"), weights=(20, 45, 30, 5))[0]
            else:
                level = rng.choices(("A2", "B1", "B2", "C1"), weights=(30, 40, 20, 10))[0]
            if citizenship in SPANISH_SPEAKING and level in ("PRE_A1", "A1", "A2"):
                level = ("A2", "B1", "B1")[("PRE_A1", "A1", "A2").index(level)]
        else:
            citizenship, legal, level = "IT", "italian", "C2"
            naturalised = rng.random() < 0.05
            country_of_birth = rng.choice(("MA", "EG", "AL", "PE", "RO")) if naturalised else "IT"
        person.level = level
        # --- age and birth date (foreign people younger, more over-45s among Italians)
        if person.foreign:
            age = min(60, max(18, round(rng.gauss(31, 8))))
        else:
            age = rng.choices(
                (rng.randint(18, 29), rng.randint(30, 44), rng.randint(45, 62)),
                weights=(30, 32, 38),
            )[0]
        birth = intake - timedelta(days=age * YEAR + age // 4 + rng.randrange(0, 360))
        age = intake.year - birth.year - ((intake.month, intake.day) < (birth.month, birth.day))
        person.age = age
        # --- names, birth place, tax code
        first, last = self._name(
            rng, person, country_of_birth if not person.foreign else citizenship
        )
        if country_of_birth == "IT":
            roll = rng.random()
            if person.foreign or roll < 0.45:
                comune = reference.comune_by_code(MILANO)
            elif roll < 0.57:
                comune = reference.comune_by_code(rng.choice(self.metro_codes))
            elif roll < 0.85:
                comune = reference.comune_by_code(rng.choice(ITALIAN_BIRTHPLACES))
            else:
                comune = rng.choice(self.all_comuni)
            belfiore, birth_place = comune.belfiore, comune.name
        else:
            country = self.countries[country_of_birth]
            belfiore, birth_place = country.belfiore, country.name_it
        provisional = legal == "asylum_seeker" or (
            legal in ("international_protection", "special_protection") and rng.random() < 0.4
        )
        code = self._tax_code(rng, provisional, last, first, birth, person.sex, belfiore)
        # --- fragilities
        fragilities = []
        if age >= 45:
            fragilities.append(("over_45", None))
        if (
            person.sex == "F"
            and 22 <= age <= 55
            and rng.random() < (0.25 if person.foreign else 0.35)
        ):
            kids = rng.choice(("un figlio", "due figli", "tre figli"))
            fragilities.append(("single_parent", f"Madre sola con {kids} a carico"))
        if rng.random() < (0.2 if person.foreign else 0.35):
            fragilities.append(("long_term_unemployed", "Disoccupata/o da oltre 12 mesi"))
        if rng.random() < 0.1:
            fragilities.append(("low_employability", None))
        disability = rng.random() < 0.03
        if disability:
            fragilities.append(("disability", "Invalidità civile riconosciuta"))
        if rng.random() < 0.02:
            fragilities.append(("other", "Situazione abitativa precaria"))
        # --- referral, funding
        if legal in ("asylum_seeker", "international_protection", "special_protection"):
            referral = rng.choices(("partner", "public_service", "self"), weights=(55, 35, 10))[0]
        elif person.foreign:
            referral = rng.choices(("partner", "public_service", "self"), weights=(20, 50, 30))[0]
        else:
            referral = rng.choices(("partner", "public_service", "self"), weights=(10, 55, 35))[0]
        if referral == "partner":
            person.partner_idx = rng.choices((0, 1, 2), weights=(40, 30, 30))[0]
        if age <= 29 and rng.random() < 0.45:
            funding = "garanzia_giovani"
        else:
            funding = rng.choices(("municipal", "gol", "dul"), weights=(65, 22, 13))[0]
            if funding == "gol" and intake < date(2022, 1, 1):
                funding = "municipal"
        # --- DID, pact, status
        recent = (today - intake).days < 30
        has_did = intern is not None or not (
            (recent and rng.random() < 0.35) or rng.random() < 0.03
        )
        did = intake - timedelta(days=rng.randrange(0, 26)) if has_did else None
        pact = None
        if did is not None:
            earliest = max(0, (intake - did).days)
            pact = did + timedelta(days=rng.randint(earliest, max(earliest, 30)))
            if intern is not None:
                pact = min(pact, intern.start - timedelta(days=14))
                pact = max(pact, intake)
            if pact > today:
                pact = None
        person.did, person.pact = did, pact
        status, closing_reason, end = self._status(rng, person)
        person.status, person.end = status, end
        person.row = {
            "id": person.id,
            "first_name": first,
            "last_name": last,
            "tax_code": code,
            "birth_date": birth,
            "sex": person.sex,
            "birth_place": birth_place,
            "citizenship": citizenship,
            "country_of_birth": country_of_birth,
            "phone": mobile(rng) if rng.random() < 0.95 else None,
            "email": (
                f"{_slug(first)}.{_slug(last)}{rng.randrange(1, 100)}@{rng.choice(MAIL_DOMAINS)}"
                if rng.random() < 0.75
                else None
            ),
            "municipality_code": MILANO if rng.random() < 0.75 else rng.choice(self.metro_codes),
            "address": self.fake.street_address(),
            "italian_level": level,
            "education_level": self._education(rng, person.foreign),
            "legal_status": legal,
            "asylum_application_date": intake - timedelta(days=rng.randrange(90, 700))
            if legal == "asylum_seeker"
            else None,
            "referral_source": referral,
            "referral_partner_id": None
            if person.partner_idx is None
            else self.partner_ids[person.partner_idx],
            "funding_stream": funding,
            "did_date": did,
            "intake_date": intake,
            "tutor_id": None,
            "status": status,
            "closing_reason": closing_reason,
            "health_notes": HEALTH_NOTE if disability else None,
            "notes": rng.choice(PERSON_NOTES) if rng.random() < 0.3 else None,
            "anonymised_at": None,
            "created_at": _at(intake, rng),
            "updated_at": _at(end or intake, rng),
            "version": 1,
            "_fragilities": [
                {"person_id": person.id, "marker": m, "detail": d} for m, d in fragilities
            ],
        }

    def _tax_code(self, rng, provisional, last, first, birth, sex, belfiore) -> str:
        if not provisional:
            code = tax_code(last, first, birth, sex, belfiore)
            if code not in self.used_tax_codes:
                self.used_tax_codes.add(code)
                return code
            # two people with the same data (omocodia): the office hands out a numeric code
        while True:
            code = numeric_code(rng, "015")
            if code not in self.used_tax_codes:
                self.used_tax_codes.add(code)
                return code

    @staticmethod
    def _education(rng: random.Random, foreign: bool) -> str:
        if foreign:
            return rng.choices(
                ("none", "primary", "lower_secondary", "upper_secondary", "vocational", "tertiary"),
                weights=(10, 25, 30, 20, 5, 10),
            )[0]
        return rng.choices(
            ("primary", "lower_secondary", "vocational", "upper_secondary", "tertiary"),
            weights=(5, 40, 25, 25, 5),
        )[0]

    def _status(self, rng: random.Random, person: _Person) -> tuple[str, str | None, date | None]:
        today = self.today
        plan = person.intern
        if plan is not None:
            if plan.status == "active":
                return "internship", None, None
            if plan.outcome == "hired":
                return "hired", None, plan.hire_date
            if plan.end >= today - timedelta(days=120):
                return "active", None, None
            end = min(today, plan.end + timedelta(days=rng.randrange(15, 90)))
            reason = rng.choice(
                (
                    "Percorso concluso senza inserimento lavorativo",
                    "Trovato lavoro autonomamente",
                    "Trasferimento fuori dal territorio",
                    "Orientamento a un corso di formazione accreditato",
                )
            )
            return "closed", reason, end
        days = (today - person.intake).days
        if person.did is None:
            if days < 120:
                return "intake", None, None
            end = person.intake + timedelta(days=rng.randrange(30, 120))
            return "closed", "Mancata dichiarazione di immediata disponibilità (DID)", end
        if person.pact is None:
            return "intake", None, None
        if days < 240:
            if rng.random() < 0.85:
                return "active", None, None
        else:
            roll = rng.random()
            if roll < 0.12:
                return "active", None, None
            if roll < 0.30:
                end = person.pact + timedelta(days=rng.randrange(90, max(91, days - 10)))
                return "hired", None, min(end, today)
        span = (today - person.pact).days  # the path lasted at least 20 days, when it could
        shortest = min(20, span)
        end = person.pact + timedelta(days=rng.randint(shortest, max(shortest, min(span, 400))))
        return "closed", rng.choice(CLOSING_REASONS), end

    def _assign_tutors(self, rng: random.Random) -> None:
        demo_tutor = self.user_ids["tutor"]
        others = [t for t in self.tutors if t != demo_tutor]
        live = [p for p in self.persons if p.status in ("active", "internship") and p.pact]
        target = min(50, max(3, len(live) // 4))
        chosen = {p.id for p in rng.sample(live, min(target, len(live)))}
        for person in self.persons:
            if person.id in chosen:
                person.tutor = demo_tutor
            elif person.status in ("active", "internship"):
                person.tutor = rng.choice(others)
            elif person.status == "intake" and person.pact is None:
                person.tutor = rng.choice(self.tutors) if rng.random() < 0.5 else None
            else:
                person.tutor = rng.choice(self.tutors)

    def _consents(self, rng: random.Random, person: _Person) -> list[dict]:
        recorder = person.tutor or rng.choice(self.coordinators)
        version = f"{person.intake.year}-01"
        rows = [
            {
                "id": self.next_id(Consent),
                "person_id": person.id,
                "purpose": "data_processing",
                "partner_org_id": None,
                "given_on": person.intake,
                "text_version": version,
                "withdrawn_on": None,
                "recorded_by_id": recorder,
                "created_at": _at(person.intake, rng),
            }
        ]
        partners = []
        if person.partner_idx is not None and rng.random() < 0.85:
            partners.append(person.partner_idx)
        elif rng.random() < 0.05:
            partners.append(rng.randrange(len(PARTNERS)))
        for idx in partners:
            withdrawn = None
            if rng.random() < 0.08 and (self.today - person.intake).days > 30:
                withdrawn = person.intake + timedelta(
                    days=rng.randrange(20, (self.today - person.intake).days)
                )
            else:
                person.sharing.add(idx)
            cid = self.next_id(Consent)
            rows.append(
                {
                    "id": cid,
                    "person_id": person.id,
                    "purpose": "partner_sharing",
                    "partner_org_id": self.partner_ids[idx],
                    "given_on": person.intake,
                    "text_version": version,
                    "withdrawn_on": withdrawn,
                    "recorded_by_id": recorder,
                    "created_at": _at(person.intake, rng),
                }
            )
        for row in rows:
            self.log(
                row["created_at"],
                recorder,
                "create",
                "consent",
                row["id"],
                person_id=person.id,
                purpose=row["purpose"],
            )
        return rows

    # ------------------------------------------------------------------ workshops
    def workshops(self) -> None:
        rng = self.rng("workshops")
        per_year = max(1, round(5 * self.scale))
        interval = YEAR / per_year
        editions: list[dict] = []
        sessions: list[dict] = []
        self.editions_by_trade: dict[str, list[dict]] = defaultdict(list)
        staff = {
            t: ([self.fake.name() for _ in range(3)], [self.fake.name() for _ in range(3)])
            for t in self.trades
        }
        labels = {t.code: t.label_it for t in reference.trades_csv()}
        for offset, trade in enumerate(self.trades):
            day = self.start + timedelta(days=10 + offset * interval / len(self.trades))
            number = 0
            while day <= self.today + timedelta(days=30):
                number += 1
                hours = rng.choice((100, 120, 140, 160, 200))
                dates = self._session_dates(day, hours // 4)
                eid = self.next_id(WorkshopEdition)
                trainers, teachers = staff[trade]
                edition = {
                    "id": eid,
                    "trade_id": self.trade_ids[trade],
                    "title": f"Laboratorio di {labels.get(trade, trade).lower()} "
                    f"n. {number} ({dates[0].year})",
                    "hours": hours,
                    "start_date": dates[0],
                    "end_date": dates[-1],
                    "trainer_name": rng.choice(trainers),
                    "italian_teacher_name": rng.choice(teachers),
                    "capacity": rng.randint(12, 16),
                    "created_at": _at(dates[0] - timedelta(days=40), rng),
                    "version": 1,
                }
                editions.append(edition)
                edition["_sessions"] = []
                for session_day in dates:
                    sid = self.next_id(WorkshopSession)
                    edition["_sessions"].append((sid, session_day))
                    sessions.append(
                        {
                            "id": sid,
                            "edition_id": eid,
                            "session_date": session_day,
                            "hours": Decimal("4.0"),
                        }
                    )
                edition["_seats"] = edition["capacity"]
                self.editions_by_trade[trade].append(edition)
                day += timedelta(days=interval * rng.uniform(0.85, 1.15))
        self.insert(
            WorkshopEdition,
            ({k: v for k, v in e.items() if not k.startswith("_")} for e in editions),
        )
        self.insert(WorkshopSession, sessions)
        # enrolments, in intake order (first come, first served)
        enrolments, attendance = [], []
        for person in self.persons:
            if person.pact is None:
                continue
            wants = rng.random() < (0.75 if person.intern else 0.45)
            if not wants:
                continue
            latest_end = person.intern.start - timedelta(days=3) if person.intern else date.max
            latest_start = person.end or self.today + timedelta(days=30)
            edition = next(
                (
                    e
                    for e in self.editions_by_trade[person.trade]
                    if e["start_date"] >= person.pact + timedelta(days=3)
                    and e["end_date"] <= latest_end
                    and e["start_date"] <= latest_start
                    and e["_seats"] > 0
                ),
                None,
            )
            if edition is None:
                continue
            edition["_seats"] -= 1
            enrolments.append(self._enrol(rng, person, edition, attendance))
        self.insert(WorkshopEnrolment, enrolments)
        self.insert(WorkshopAttendance, attendance)

    def _session_dates(self, first: date, count: int) -> list[date]:
        """Monday to Thursday, skipping August and the Christmas holidays."""
        dates: list[date] = []
        day = first
        while len(dates) < count:
            closed = (
                day.month == 8
                or (day.month, day.day) >= (12, 23)
                or (day.month == 1 and day.day <= 6)
            )
            if day.weekday() < 4 and not closed:
                dates.append(day)
            day += timedelta(days=1)
        return dates

    def _enrol(self, rng, person: _Person, edition: dict, attendance: list) -> dict:
        today = self.today
        start, end = edition["start_date"], edition["end_date"]
        sessions = edition["_sessions"]
        withdrawn_at = None
        if person.end and person.end < end:
            withdrawn_at = max(start, person.end)
        elif rng.random() < (0.1 if end <= today else 0.05) and start <= today:
            withdrawn_at = sessions[
                rng.randrange(len(sessions) // 5, max(1, len(sessions) * 7 // 10))
            ][1]
        if withdrawn_at is not None and withdrawn_at <= today:
            status, completed_on = "withdrawn", None
        elif end <= today:
            status, completed_on = "completed", end
        else:
            status, completed_on = "enrolled", None
        eid = self.next_id(WorkshopEnrolment)
        hours = Decimal(0)
        for sid, day in sessions:
            if day > today or (status == "withdrawn" and day >= withdrawn_at):
                break
            roll = rng.random()
            value = (
                Decimal("4.0") if roll < 0.86 else Decimal("0.0") if roll < 0.96 else Decimal("2.0")
            )
            hours += value
            attendance.append({"session_id": sid, "enrolment_id": eid, "hours": value})
        enrolled_on = max(person.pact, start - timedelta(days=rng.randrange(3, 21)))
        person.enrolment = (edition, eid, status, completed_on, int(hours))
        self.log(
            _at(enrolled_on, rng),
            person.tutor or rng.choice(self.coordinators),
            "create",
            "workshop_enrolment",
            eid,
            person_id=person.id,
            edition_id=edition["id"],
        )
        return {
            "id": eid,
            "edition_id": edition["id"],
            "person_id": person.id,
            "enrolled_on": enrolled_on,
            "status": status,
            "completed_on": completed_on,
            "version": 1,
        }

    # ------------------------------------------------------------------ vacancies & shortlists
    def vacancies(self) -> None:
        rng = self.rng("vacancies")
        self.vacancy_rows: list[dict] = []
        self.vacancy_comps: list[dict] = []
        self.entries: list[dict] = []
        self.changes: list[dict] = []
        self.shares: list[dict] = []
        self.entry_ids: dict[tuple[int, int], int] = {}
        self.reqs_by_vacancy: dict[int, list[dict]] = defaultdict(list)
        pool = defaultdict(list)
        for person in self.persons:
            if person.pact is not None:
                pool[person.trade].append(person)
        self.pool = pool
        # 1. vacancies behind ~40% of the internships (filled by the intern)
        for plan in self.internship_plans:
            if rng.random() >= 0.4:
                continue
            created = max(self.start, plan.start - timedelta(days=rng.randrange(20, 61)))
            vid = self._vacancy(
                rng,
                plan.company,
                plan.trade,
                created,
                "internship",
                "filled",
                start_date=plan.start,
                max_level=plan.person.level,
                fit=plan.person,
            )
            plan.vacancy_id = vid
            others = self._candidates(
                rng,
                plan.trade,
                created,
                exclude={plan.person.id},
                k=rng.randint(1, 3),
                vacancy_id=vid,
            )
            plan.entry_id = self._entry(rng, vid, plan.person, created, "selected")
            for other in others:
                self._entry(
                    rng, vid, other, created, rng.choice(("rejected", "rejected", "withdrawn"))
                )
        # 2. open vacancies of the last two months, some published to partners; the shortlists
        #    of those shared with a partner hold only people who consented to that partner
        active = [c for c in self.company_list if c.status == "active"]
        consenting = {
            idx: [p for p in self.persons if idx in p.sharing and p.status in ("active", "intake")]
            for idx in range(len(PARTNERS))
        }
        unconsented = {
            idx: [
                p
                for p in self.persons
                if p.partner_idx == idx
                and idx not in p.sharing
                and p.pact is not None
                and p.status in ("active", "intake")
            ]
            for idx in range(len(PARTNERS))
        }
        share_plan = [0] * max(2, self.n(8)) + [1] * max(1, self.n(3))
        nominations = {0: 2, 1: 1}
        for i in range(max(self.n(60), len(share_plan))):
            share_idx = share_plan[i] if i < len(share_plan) else None
            company = rng.choice(active)
            trade = rng.choice(company.trades)
            created = self.today - timedelta(days=rng.randrange(0, 60))
            status = (
                "shortlisting"
                if share_idx is not None
                else rng.choice(("open", "shortlisting", "shortlisting"))
            )
            vid = self._vacancy(
                rng,
                company,
                trade,
                created,
                rng.choice(("internship",) * 4 + ("direct_hire",)),
                status,
                start_date=self.today + timedelta(days=rng.randrange(15, 60)),
                published=share_idx is not None or rng.random() < 0.3,
            )
            if share_idx is None:
                if status == "shortlisting":
                    for person in self._candidates(
                        rng, trade, created, k=rng.randint(3, 8), vacancy_id=vid
                    ):
                        stage = rng.choices(
                            (
                                "proposed",
                                "contacted",
                                "interview",
                                "rejected",
                                "withdrawn",
                                "selected",
                            ),
                            weights=(30, 25, 20, 12, 8, 5),
                        )[0]
                        self._entry(rng, vid, person, created, stage)
                continue
            pool = consenting[share_idx]
            same_trade = [p for p in pool if p.trade == trade]
            picked = rng.sample(same_trade or pool, min(len(same_trade or pool), rng.randint(2, 4)))
            for person in picked:
                stage = rng.choice(("proposed", "contacted", "interview"))
                self._entry(rng, vid, person, created, stage)
            if nominations.get(share_idx) and len(pool) > len(picked):
                nominee = rng.choice([p for p in pool if p not in picked])
                self._entry(rng, vid, nominee, created, "proposed", partner_idx=share_idx)
                nominations[share_idx] -= 1
            # the list also holds people without a consent to this organisation (some consented
            # to another one only; some it referred itself never gave or withdrew it): the
            # coordinator sees them as blocked, the partner never sees them
            listed = {p.id for p in picked}
            others = [
                p
                for p in self._candidates(rng, trade, created, k=3, exclude=listed)
                if share_idx not in p.sharing
            ]
            own = [
                p
                for p in unconsented[share_idx]
                if p.id not in listed and p.pact <= created < p.available_until
            ]
            if own:
                others.insert(0, rng.choice(own))
            for person in others[:3]:
                self._entry(rng, vid, person, created, rng.choice(("proposed", "contacted")))
            shared_at = _at(min(self.today, created + timedelta(days=rng.randrange(1, 5))), rng)
            sharer = rng.choice(self.coordinators)
            self.shares.append(
                {
                    "id": self.next_id(ShortlistShare),
                    "vacancy_id": vid,
                    "partner_org_id": self.partner_ids[share_idx],
                    "shared_by_id": sharer,
                    "shared_at": shared_at,
                    "revoked_at": shared_at + timedelta(days=2) if rng.random() < 0.15 else None,
                }
            )
            self.log(
                shared_at,
                sharer,
                "share",
                "vacancy",
                vid,
                partner_org_id=self.partner_ids[share_idx],
            )
        # 3. older vacancies closed without an internship, or filled by a direct hire
        hired_direct = defaultdict(list)  # trade -> people hired without an internship
        for p in self.persons:
            if p.status == "hired" and p.intern is None and p.end:
                hired_direct[p.trade].append(p)
        hosts = [c for c in self.company_list if c.status in ("active", "dormant")] or active
        remaining = self.volumes.vacancies - len(self.vacancy_rows)
        for _ in range(max(0, remaining)):
            created = self.start + timedelta(days=rng.randrange(0, HISTORY_DAYS - 60))
            company = rng.choice(hosts)
            trade = rng.choice(company.trades)
            hire = next(
                (
                    p
                    for p in hired_direct.get(trade, ())
                    if created < p.end <= created + timedelta(days=90) and p.pact < created
                ),
                None,
            )
            if hire is not None:
                hired_direct[trade].remove(hire)
                vid = self._vacancy(
                    rng, company, trade, created, "direct_hire", "filled", start_date=hire.end
                )
                self._entry(rng, vid, hire, created, "selected")
            else:
                vid = self._vacancy(
                    rng,
                    company,
                    trade,
                    created,
                    rng.choice(("internship", "direct_hire")),
                    "closed",
                    start_date=created + timedelta(days=rng.randrange(20, 60)),
                )
                for person in self._candidates(
                    rng, trade, created, k=rng.randint(0, 3), vacancy_id=vid
                ):
                    self._entry(rng, vid, person, created, rng.choice(("rejected", "withdrawn")))
        self._score_entries()
        self.insert(Vacancy, self.vacancy_rows)
        self.insert(VacancyCompetence, self.vacancy_comps)
        self.insert(ShortlistEntry, self.entries)
        self.insert(ShortlistStageChange, self.changes)
        self.insert(ShortlistShare, self.shares)

    def _vacancy(
        self,
        rng,
        company: _Company,
        trade,
        created: date,
        kind: str,
        status: str,
        *,
        start_date: date | None = None,
        max_level: str = "B1",
        published: bool = False,
        fit: _Person | None = None,
    ) -> int:
        """A vacancy and its requirements; ``fit``: the person the centre will place in it,
        whose assessed competences the company's technical requirements mostly are."""
        vid = self.next_id(Vacancy)
        title, isco, occupation = rng.choice(JOB_TITLES[trade])
        levels = [lvl.value for lvl in CefrLevel]
        allowed = [
            lvl for lvl in ("A1", "A2", "B1") if levels.index(lvl) <= levels.index(max_level)
        ]
        part_time = rng.random() < 0.25
        deadline = None
        if start_date is not None and rng.random() < 0.8:
            deadline = max(created, start_date - timedelta(days=rng.randrange(3, 11)))
            deadline = min(deadline, start_date)
        self.vacancy_rows.append(
            {
                "id": vid,
                "company_id": company.id,
                "title": title,
                "trade_id": self.trade_ids.get(trade) if trade else None,
                "esco_occupation_uri": occupation,
                "isco_code": isco,
                "positions": rng.choices((1, 2, 3), weights=(75, 20, 5))[0],
                "kind": kind,
                "contract_offered": None
                if kind == "internship"
                else rng.choice(
                    (
                        "Tempo determinato 6 mesi",
                        "Apprendistato",
                        "Tempo determinato 12 mesi",
                        "Tempo indeterminato",
                        "Somministrazione",
                    )
                ),
                "hours_percent": rng.choice((50, 60, 75, 80)) if part_time else 100,
                "municipality_code": MILANO
                if rng.random() < 0.75
                else rng.choice(self.metro_codes),
                "min_italian_level": rng.choice(allowed or ["A1"]),
                "start_date": start_date,
                "deadline": deadline,
                "status": status,
                "closed_reason": rng.choice(VACANCY_CLOSED_REASONS) if status == "closed" else None,
                "published_to_partners": published,
                "hide_company_name": published and rng.random() < 0.25,
                "created_on": created,
                "created_at": _at(created, rng),
                "version": 1,
            }
        )
        # requirements drawn from the competences the centre's people are rated on, the more
        # people rated on one the likelier (squared: the basics of the trade dominate), so match
        # scores come out realistic
        rated = {
            key: {cid: n * n for cid, n in counts.items()}
            for key, counts in self.rated_counts.items()
        }
        technical_pool = rated.get(trade, {})
        if fit is not None and technical_pool:
            technical_pool = {
                cid: weight * (20 if cid in fit.history else 1)
                for cid, weight in technical_pool.items()
            }
        technical = _sample_weighted(rng, technical_pool, rng.randint(2, 4)) if trade else []
        extra = _sample_weighted(rng, rated.get("transversal", {}), rng.randint(1, 2))
        if rng.random() < 0.5:
            extra += _sample_weighted(rng, rated.get("language", {}), 1)
        if rng.random() < 0.15:
            extra += _sample_weighted(rng, rated.get("digital", {}), 1)
        for cid in list(dict.fromkeys(technical + extra))[:6]:
            self.vacancy_comps.append(
                {
                    "vacancy_id": vid,
                    "competence_id": cid,
                    "min_level": self._min_level(rng, cid, fit, created),
                    "essential": cid in technical[:2] or rng.random() < 0.2,
                }
            )
            self.reqs_by_vacancy[vid].append(self.vacancy_comps[-1])
        self.log(
            _at(created, rng),
            rng.choice(self.staff),
            "create",
            "vacancy",
            vid,
            company_id=company.id,
            status="open",
        )
        return vid

    def _min_level(self, rng, cid: int, fit: _Person | None, on: date) -> int:
        """A requirement's level; for the person to be placed, at most theirs (if assessed)."""
        level = rng.choices((1, 2, 3), weights=(55, 38, 7))[0]
        if fit is not None:
            seen = [lv for day, lv in fit.history.get(cid, ()) if day <= on]
            if seen and seen[-1] >= 1:
                level = min(level, seen[-1])
        return level

    def _candidates(
        self,
        rng,
        trade,
        on: date,
        *,
        k: int,
        exclude: set[int] = frozenset(),
        vacancy_id: int | None = None,
    ) -> list[_Person]:
        """Up to ``k`` people of the trade on a path on day ``on``; for a vacancy, the best
        fitting of a few more drawn (a tutor proposes from the top of the ranking)."""
        pool = self.pool.get(trade) or []
        wanted = k if vacancy_id is None else 3 * k
        found: list[_Person] = []
        seen = set(exclude)
        for _ in range(wanted * 8):
            if len(found) >= wanted or not pool:
                break
            person = rng.choice(pool)
            if person.id in seen:
                continue
            seen.add(person.id)
            if person.pact <= on < person.available_until:
                found.append(person)
        if vacancy_id is not None:
            reqs = self.reqs_by_vacancy.get(vacancy_id, [])
            found.sort(key=lambda p: -self._fit(p, reqs, on))
        return found[:k]

    @staticmethod
    def _fit(person: _Person, reqs: list[dict], on: date) -> float:
        """How well the person's ratings up to ``on`` meet the requirements (0-1)."""
        if not reqs:
            return 0.0
        total = 0.0
        for req in reqs:
            seen = [lv for day, lv in person.history.get(req["competence_id"], ()) if day <= on]
            total += min((seen[-1] if seen else 0) / req["min_level"], 1.0)
        return total / len(reqs)

    def _entry(
        self,
        rng,
        vacancy_id: int,
        person: _Person,
        created: date,
        final: str,
        *,
        partner_idx: int | None = None,
    ) -> int:
        key = (vacancy_id, person.id)
        if key in self.entry_ids:  # one entry per person and vacancy
            return self.entry_ids[key]
        eid = self.entry_ids[key] = self.next_id(ShortlistEntry)
        paths = {
            "proposed": ["proposed"],
            "contacted": ["proposed", "contacted"],
            "interview": ["proposed", "contacted", "interview"],
            "selected": ["proposed", "contacted", "interview", "selected"],
            "rejected": ["proposed", "contacted", "interview", "rejected"],
            "withdrawn": ["proposed", "contacted", "withdrawn"],
        }
        stages = paths[final]
        reason = None
        if final == "rejected":
            reason = rng.choice(REJECT_REASONS)
        elif final == "withdrawn":
            reason = rng.choice(WITHDRAW_REASONS)
        actor = (
            self.partner_users[partner_idx]
            if partner_idx is not None
            else (person.tutor or rng.choice(self.staff))
        )
        added = _at(min(self.today, created + timedelta(days=rng.randrange(0, 5))), rng)
        self.entries.append(
            {
                "id": eid,
                "vacancy_id": vacancy_id,
                "person_id": person.id,
                "stage": final,
                "reason": reason,
                "origin": "partner" if partner_idx is not None else "centre",
                "nominated_by_partner_id": None
                if partner_idx is None
                else self.partner_ids[partner_idx],
                "motivation": rng.choice(MOTIVATIONS) if partner_idx is not None else None,
                "score": None,  # centre entries: scored by _score_entries, 0-100
                "added_by_id": actor,
                "added_at": added,
                "version": 1,
            }
        )
        when = added
        previous = None
        for stage in stages:
            self.changes.append(
                {
                    "id": self.next_id(ShortlistStageChange),
                    "entry_id": eid,
                    "from_stage": previous,
                    "to_stage": stage,
                    "reason": reason if stage == final and reason else None,
                    "changed_by_id": actor if previous is None else (person.tutor or actor),
                    "changed_at": when,
                }
            )
            previous = stage
            when = min(
                when + timedelta(days=rng.randrange(1, 6), hours=rng.randrange(1, 6)),
                datetime.combine(self.today, time(18)),
            )
        self.log(
            added,
            actor,
            "create",
            "shortlist_entry",
            eid,
            person_id=person.id,
            vacancy_id=vacancy_id,
        )
        return eid

    # ------------------------------------------------------------------ internships
    def internships(self) -> None:
        rng = self.rng("internship rows")
        rows, attendance, checks = [], [], []
        for plan in self.internship_plans:
            person = plan.person
            meal = rng.random() < 0.3
            allowance = (
                rng.choice((400, 450, 500))
                if meal
                else rng.choice((500, 500, 550, 600, 650, 700, 800))
            )
            weekly = rng.choices((20, 25, 30, 36, 40), weights=(8, 10, 25, 27, 30))[0]
            contract = months = part_time = None
            if plan.outcome == "hired":
                contract = rng.choices(
                    ("apprenticeship", "fixed_term", "permanent", "agency"),
                    weights=(30, 45, 15, 10),
                )[0]
                months = {
                    "apprenticeship": 36,
                    "fixed_term": rng.randint(3, 12),
                    "permanent": None,
                    "agency": rng.randint(1, 6),
                }[contract]
                part_time = rng.choice((50, 60, 75, 80)) if rng.random() < 0.25 else None
            reason = None
            if plan.outcome == "not_hired":
                reason = rng.choice(NOT_HIRED_REASONS)
            elif plan.outcome == "interrupted":
                reason = rng.choice(INTERRUPTED_REASONS)
            tutor_name = (
                rng.choice(plan.company.contact_names)
                if plan.company.contact_names
                else self.fake.name()
            )
            created = plan.start - timedelta(days=rng.randrange(5, 20))
            rows.append(
                {
                    "id": plan.id,
                    "person_id": person.id,
                    "company_id": plan.company.id,
                    "vacancy_id": plan.vacancy_id,
                    "shortlist_entry_id": plan.entry_id,
                    "start_date": plan.start,
                    "planned_end_date": plan.planned_end,
                    "actual_end_date": plan.actual_end,
                    "weekly_hours": weekly,
                    "monthly_allowance": Decimal(allowance),
                    "meal_vouchers": meal,
                    "company_tutor_name": tutor_name,
                    "centre_tutor_id": person.tutor,
                    "funding_stream": person.row["funding_stream"],
                    "status": plan.status,
                    "outcome": plan.outcome,
                    "outcome_reason": reason,
                    "contract_type": contract,
                    "contract_months": months,
                    "part_time_percent": part_time,
                    "hire_date": plan.hire_date,
                    "created_at": _at(max(created, person.intake), rng),
                    "version": 1,
                }
            )
            plan.row = rows[-1]
            actor = person.tutor or rng.choice(self.coordinators)
            self.log(
                rows[-1]["created_at"],
                actor,
                "create",
                "internship",
                plan.id,
                person_id=person.id,
                company_id=plan.company.id,
            )
            if plan.outcome:
                self.log(
                    _at(min(self.today, plan.end), rng),
                    actor,
                    "update",
                    "internship",
                    plan.id,
                    person_id=person.id,
                    outcome=plan.outcome,
                )
            # monthly attendance up to the end (or today)
            last = min(plan.end, self.today)
            month = plan.start.replace(day=1)
            while month <= last:
                low = 55 if plan.outcome == "interrupted" else 80
                attendance.append(
                    {
                        "internship_id": plan.id,
                        "month": month,
                        "attendance_percent": min(
                            100, rng.randint(low, 100) + rng.choice((0, 0, 5))
                        ),
                    }
                )
                month = add_months(month, 1)
            midpoint = plan.start + (plan.planned_end - plan.start) / 2
            if midpoint <= min(plan.end, self.today):
                checks.append(
                    {
                        "id": self.next_id(InternshipCheck),
                        "internship_id": plan.id,
                        "checked_on": midpoint,
                        "rating": rng.choices((2, 3, 4, 5), weights=(10, 30, 40, 20))[0],
                        "notes": rng.choice(CHECK_NOTES),
                        "recorded_by_id": person.tutor,
                    }
                )
        self.insert(Internship, rows)
        self.insert(InternshipAttendance, attendance)
        self.insert(InternshipCheck, checks)

    # ------------------------------------------------------------------ pacts & activities
    def paths(self) -> None:
        rng = self.rng("paths")
        pacts, activities = [], []
        for person in self.persons:
            if person.pact is None:
                continue
            pact_id = self.next_id(ServicePact)
            every = rng.choice((14, 21, 30, 30, 45))
            person.row["_every"] = every
            pacts.append(
                {
                    "id": pact_id,
                    "person_id": person.id,
                    "signed_on": person.pact,
                    "tutor_id": person.tutor,
                    "meeting_every_days": every,
                    "notes": "Patto di servizio firmato; attività concordate con la persona.",
                    "created_at": _at(person.pact, rng),
                    "version": 1,
                }
            )
            self.log(
                pacts[-1]["created_at"],
                person.tutor,
                "create",
                "service_pact",
                pact_id,
                person_id=person.id,
            )
            stop = person.end or date.max
            activity = functools.partial(self._activity, activities, person, pact_id, stop)
            begin = person.pact + timedelta(days=rng.randrange(0, 8))
            activity(
                "skills_assessment",
                "Bilancio di competenze con il tutor",
                begin,
                begin + timedelta(days=rng.randrange(7, 22)),
                8,
            )
            if person.level in ("PRE_A1", "A1", "A2"):
                begin = person.pact + timedelta(days=rng.randrange(7, 31))
                activity(
                    "italian_course",
                    f"Corso di italiano per il lavoro (livello {person.level})",
                    begin,
                    begin + timedelta(days=rng.randrange(90, 151)),
                    rng.choice((60, 80, 100, 120)),
                )
            if person.enrolment:
                edition, _eid, status, _done_on, hours = person.enrolment
                forced = {"completed": "done", "withdrawn": "dropped"}.get(status)
                activity(
                    "workshop",
                    edition["title"],
                    edition["start_date"],
                    edition["end_date"],
                    edition["hours"],
                    edition=edition["id"],
                    forced=forced,
                    hours=hours,
                )
            if rng.random() < 0.85:
                begin = person.pact + timedelta(days=rng.randrange(14, 61))
                activity(
                    "orientation_cv",
                    "Orientamento alla ricerca attiva e redazione del CV",
                    begin,
                    begin + timedelta(days=rng.randrange(14, 46)),
                    10,
                )
            if person.intern:
                plan = person.intern
                weeks = max(1, (plan.planned_end - plan.start).days // 7)
                planned = weeks * plan.row["weekly_hours"]
                forced = (
                    "dropped"
                    if plan.status == "interrupted"
                    else ("done" if plan.status == "completed" else None)
                )
                done_weeks = max(0, (min(plan.end, self.today) - plan.start).days // 7)
                activity(
                    "internship",
                    f"Tirocinio di {plan.trade.replace('_', ' ')}",
                    plan.start,
                    plan.planned_end,
                    planned,
                    internship=plan.id,
                    forced=forced,
                    hours=min(planned, done_weeks * plan.row["weekly_hours"]),
                )
        self.insert(ServicePact, pacts)
        self.insert(PathActivity, activities)

    def _activity(
        self,
        out: list,
        person,
        pact_id,
        stop,
        kind,
        description,
        start,
        end,
        planned,
        *,
        edition=None,
        internship=None,
        forced=None,
        hours=None,
    ) -> None:
        today = self.today
        horizon = min(today, stop)
        if forced == "done" or (forced is None and end <= horizon):
            status, started, completed = "done", start, end
            done = planned if hours is None else hours
        elif forced == "dropped" or (forced is None and stop < today and stop < end):
            status = "dropped"
            started = start if start <= horizon else None
            completed = None
            elapsed = max(0, (horizon - start).days)
            done = (
                hours
                if hours is not None
                else min(planned, planned * elapsed // max(1, (end - start).days))
            )
        elif start <= today:
            status, started, completed = "in_progress", start, None
            elapsed = (today - start).days
            done = hours if hours is not None else planned * elapsed // max(1, (end - start).days)
        else:
            status, started, completed, done = "planned", None, None, 0
        out.append(
            {
                "id": self.next_id(PathActivity),
                "person_id": person.id,
                "pact_id": pact_id,
                "kind": kind,
                "description": description[:300],
                "due_date": end,
                "planned_hours": planned,
                "hours_done": max(0, min(int(done), planned) if planned else int(done)),
                "status": status,
                "started_on": started,
                "completed_on": completed,
                "workshop_edition_id": edition,
                "internship_id": internship,
                "version": 1,
            }
        )

    # ------------------------------------------------------------------ tutoring
    def meetings(self) -> None:
        rng = self.rng("meetings")

        def rows() -> Iterable[dict]:
            for person in self.persons:
                if person.tutor is None:
                    continue
                first = person.pact or person.intake
                last = min(self.today, person.end or self.today)
                span = (last - first).days
                if person.pact is None:
                    count = 1 if rng.random() < 0.6 and span >= 0 else 0
                else:
                    every = person.row.get("_every", 30)
                    count = min(10, max(1, round(span / every * rng.uniform(0.4, 1.0))))
                if span < 0 or count == 0:
                    continue
                offsets = sorted(rng.sample(range(span + 1), min(count, span + 1)))
                if person.status in ("active", "internship") and rng.random() < 0.75 and span > 0:
                    offsets[-1] = max(offsets[-1], span - rng.randrange(0, 25))  # seen recently
                for i, offset in enumerate(sorted(set(offsets))):
                    day = first + timedelta(days=offset)
                    if i == 0:
                        phase = "start"
                    elif person.intern and person.intern.start <= day <= person.intern.end:
                        phase = "internship"
                    elif person.end and day >= person.end - timedelta(days=20):
                        phase = "end"
                    else:
                        phase = "path"
                    yield {
                        "id": self.next_id(TutoringMeeting),
                        "person_id": person.id,
                        "tutor_id": person.tutor,
                        "met_on": day,
                        "kind": rng.choices(
                            ("in_person", "phone", "video", "group"), weights=(60, 25, 10, 5)
                        )[0],
                        "notes": rng.choice(MEETING_NOTES[phase]),
                        "next_step": rng.choice(NEXT_STEPS) if rng.random() < 0.5 else None,
                        "created_at": _at(day, rng),
                    }

        self.insert(TutoringMeeting, rows())

    # ------------------------------------------------------------------ competence ratings
    def ratings(self) -> None:
        rng = self.rng("ratings")
        per_person = [(p, self._ratings(rng, p)) for p in self.persons]
        if self.volumes.ratings is not None:
            self._exact_ratings(rng, per_person, self.volumes.ratings)
        rated: dict[str, Counter[int]] = defaultdict(Counter)
        area_of = {cid: area for area, cids in self.comps_by_area.items() for cid in cids}
        rows = []
        for person, person_rows in per_person:
            history: dict[int, list[tuple[date, int]]] = defaultdict(list)
            for row in person_rows:
                row["id"] = self.next_id(CompetenceRating)
                history[row["competence_id"]].append((row["rated_on"], row["level"]))
            for dated in history.values():
                dated.sort(key=lambda item: item[0])  # stable: same day, insertion order
            for cid in history:
                area = area_of[cid]
                rated[person.trade if area == "technical" else area][cid] += 1
            person.history = history
            rows += person_rows
        self.rated_counts = rated
        self.insert(CompetenceRating, rows)

    def _exact_ratings(self, rng, per_person: list[tuple[_Person, list[dict]]], target: int):
        """Bring the ratings to exactly ``target``: drop follow-up assessments drawn at random,
        or add entry assessments of further transversal competences."""
        total = sum(len(rows) for _, rows in per_person)
        if total > target:
            follow_ups = [
                (i, j)
                for i, (_, rows) in enumerate(per_person)
                for j, row in enumerate(rows)
                if row["source"] != "entry"
            ]
            drop = set(rng.sample(follow_ups, min(len(follow_ups), total - target)))
            for i, (_, rows) in enumerate(per_person):
                rows[:] = [row for j, row in enumerate(rows) if (i, j) not in drop]
            total = sum(len(rows) for _, rows in per_person)
            if total > target:  # not enough follow-ups: fewer people assessed at all
                for _, rows in reversed(per_person):
                    cut = min(len(rows), total - target)
                    del rows[len(rows) - cut :]
                    total -= cut
        transversal = self.comps_by_area["transversal"]
        assessed = [(p, rows) for p, rows in per_person if rows]
        while total < target and assessed:
            person, rows = rng.choice(assessed)
            entry = rows[0]["rated_on"]
            known = {r["competence_id"] for r in rows if r["rated_on"] == entry}
            free = [c for c in transversal if c not in known]
            if not free:
                assessed.remove((person, rows))
                continue
            level = rng.choices((0, 1, 2), weights=(40, 45, 15))[0]
            rows.insert(0, self._rating(rng, person, rng.choice(free), level, entry, "entry"))
            total += 1

    def _rating(
        self,
        rng,
        person: _Person,
        cid: int,
        level: int,
        day: date,
        source: str,
        edition: int | None = None,
    ) -> dict:
        person.last_levels[cid] = level
        return {
            "person_id": person.id,
            "competence_id": cid,
            "level": level,
            "rated_on": day,
            "source": source,
            "assessor_id": person.tutor,
            "workshop_edition_id": edition,
            "note": rng.choice(RATING_NOTES) if rng.random() < 0.1 else None,
            "created_at": _at(day, rng),
        }

    def _ratings(self, rng, person: _Person) -> list[dict]:
        """Entry ratings (mostly 0-1), then better ones after the workshop, internship, exit."""
        if person.pact is None:
            return []
        entry_day = person.pact + timedelta(days=rng.randrange(0, 15))
        if entry_day > self.today:
            return []
        trade_comps = self.comps_by_trade.get(person.trade, [])
        person.trade_comps = _sample_weighted(
            rng, {c: self.comp_weight.get(c, 1.0) for c in trade_comps}, 5
        )
        transversal = _sample_weighted(
            rng, {c: self.comp_weight.get(c, 1.0) for c in self.comps_by_area["transversal"]}, 2
        )
        levels = person.last_levels
        out = [
            self._rating(
                rng,
                person,
                cid,
                rng.choices((0, 1, 2), weights=(45, 45, 10))[0],
                entry_day,
                "entry",
            )
            for cid in person.trade_comps + transversal
        ]
        # Italian for work: assessed for everyone, native speakers at the top level
        native = not person.foreign or person.row["country_of_birth"] == "IT"
        level = 3 if native else LANGUAGE_RATING[person.level]
        out += [
            self._rating(rng, person, cid, level, entry_day, "entry")
            for cid in self.lang_speaking + self.lang_listening
        ]
        if rng.random() < 0.3:
            digital = {c: self.comp_weight.get(c, 1.0) for c in self.comps_by_area["digital"]}
            out += [
                self._rating(
                    rng,
                    person,
                    cid,
                    rng.choices((0, 1, 2, 3), weights=(20, 35, 35, 10))[0],
                    entry_day,
                    "entry",
                )
                for cid in _sample_weighted(rng, digital, 1)
            ]
        if person.enrolment and person.enrolment[2] == "completed":
            edition, completed_on = person.enrolment[0], person.enrolment[3]
            for cid in person.trade_comps:
                gain = rng.choices((0, 1, 2), weights=(15, 65, 20))[0]
                out.append(
                    self._rating(
                        rng,
                        person,
                        cid,
                        min(3, levels[cid] + gain),
                        completed_on,
                        "workshop_end",
                        edition["id"],
                    )
                )
        plan = person.intern
        if plan is not None and (plan.outcome or (self.today - plan.start).days >= 60):
            day = plan.actual_end if plan.outcome else plan.start + timedelta(days=60)
            for cid in person.trade_comps[:2] + transversal[:1]:
                gain = rng.choices((0, 1), weights=(40, 60))[0]
                out.append(
                    self._rating(
                        rng, person, cid, min(3, levels[cid] + gain), day, "internship_eval"
                    )
                )
        if person.status in ("hired", "closed") and person.end and (person.enrolment or plan):
            day = max(person.end, entry_day)
            for cid in person.trade_comps[:2] + transversal[:1]:
                gain = rng.choices((0, 1), weights=(70, 30))[0]
                out.append(self._rating(rng, person, cid, min(3, levels[cid] + gain), day, "exit"))
        return out

    # ------------------------------------------------------------------ shortlist scores
    def _score_entries(self) -> None:
        """The score each centre entry had when it was added (0-100, as ``fleming.shortlists``
        stores it): the ranking's own scoring (``matching.score_arrays``, default weights) on
        the person's latest ratings up to that day. Partner nominations carry no score."""
        import numpy as np

        from fleming import matching

        entries = [e for e in self.entries if e["origin"] == "centre"]
        if not entries:
            return
        persons = {p.id: p for p in self.persons}
        vacancies = {v["id"]: v for v in self.vacancy_rows}
        reqs: dict[int, list[dict]] = defaultdict(list)
        for r in self.vacancy_comps:
            reqs[r["vacancy_id"]].append(r)
        width = max((len(r) for r in reqs.values()), default=0) or 1
        n = len(entries)
        levels = np.full((n, width), np.nan)
        min_level = np.zeros((n, width))
        essential = np.zeros((n, width), dtype=bool)
        gap, workshop, distance, waiting = (np.zeros(n, dtype=np.int64) for _ in range(4))
        cefr = {lvl.value: lvl.rank for lvl in CefrLevel}
        for i, entry in enumerate(entries):
            person = persons[entry["person_id"]]
            vacancy = vacancies[entry["vacancy_id"]]
            day = entry["added_at"].date()
            for j, req in enumerate(reqs.get(vacancy["id"], ())):
                min_level[i, j] = req["min_level"]
                essential[i, j] = req["essential"]
                seen = [lv for on, lv in person.history.get(req["competence_id"], ()) if on <= day]
                if seen:
                    levels[i, j] = seen[-1]
            gap[i] = cefr[person.level] - cefr[vacancy["min_italian_level"]]
            done = person.enrolment
            workshop[i] = bool(
                done
                and done[2] == "completed"
                and done[3] <= day
                and done[0]["trade_id"] == vacancy["trade_id"]
            )
            distance[i] = matching.distance_class(
                person.row["municipality_code"], vacancy["municipality_code"]
            )
            waiting[i] = max(0, (day - person.intake).days)
        scored = matching.score_arrays(
            levels,
            min_level,
            essential,
            italian_gap=gap,
            workshop=workshop.astype(bool),
            distance=distance,
            waiting_days=waiting,
            weights=matching.MatchWeights(),
        )
        for entry, score in zip(entries, scored["score"], strict=True):
            entry["score"] = round(float(score), 2)

    # ------------------------------------------------------------------ audit
    def audit_log(self) -> None:
        target = self.volumes.audit
        if target is not None and len(self.audit) < target:
            self.audit += self._logins(self.rng("logins"), target - len(self.audit))
        self.audit.sort(key=lambda r: r["at"])
        if target is not None and len(self.audit) > target:
            # a log of exactly ``target`` rows: the most recent ones (the older as if archived)
            del self.audit[: len(self.audit) - target]
        for row in self.audit:
            row["id"] = self.next_id(AuditEntry)
        self.insert(AuditEntry, self.audit)
        self.audit = []

    def _logins(self, rng: random.Random, count: int) -> list[dict]:
        """``count`` logins of the staff and partner accounts on working days of the history."""
        users = self.staff + list(self.partner_users.values()) + [self.user_ids["admin"]]
        out = []
        while len(out) < count:
            day = self.start + timedelta(days=rng.randrange(HISTORY_DAYS + 1))
            if day.weekday() >= 5:
                continue
            uid = rng.choice(users)
            out.append(
                {
                    "at": _at(day, rng, 8, 10),
                    "actor_id": uid,
                    "actor_username": self.usernames[uid],
                    "action": "login",
                    "entity": "user",
                    "entity_id": str(uid),
                    "person_id": None,
                    "changes": None,
                }
            )
        return out
