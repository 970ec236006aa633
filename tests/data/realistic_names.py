"""Realistic, unique attendee names and organisations, generated from tables written here.

`realistic_names(count, seed)` gives the same `count` different names for the same seed. Most are
Latin-script names as a European or American conference's list has them: diacritics, hyphenated
and double-barrelled surnames, three- and four-part Iberian names, particles ("van der", "de la"),
German compounds and Vietnamese names. About a quarter are in other scripts: Arabic, Persian,
Hebrew, Devanagari, Bengali, Tamil, Thai, Chinese, Japanese, Korean, Cyrillic, Armenian, Georgian
and Greek. A few carry emoji (skin tones, zero-width-joiner sequences, flags), as people type
them into registration forms. `realistic_attendees` adds an organisation and a role to each name.

    .venv/bin/python -m tests.data.realistic_names 20    # print a sample
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable

# fmt: off
# --- Latin script -------------------------------------------------------------------------------

# Most people on a list have short, common names; the tables after these give the long tail.
COMMON_GIVEN = [
    "Anna", "David", "Maria", "John", "Laura", "Peter", "Sarah", "Michael", "Julia", "Thomas",
    "Emma", "Daniel", "Sofia", "Lucas", "Mia", "Paul", "Nina", "Mark", "Eva", "Tom", "Lena",
    "Chris", "Kate", "Luis", "Ana", "Omar", "Priya", "Kenji", "Wei", "Aisha", "Ivan", "Sven",
    "Marta", "Jan", "Rosa", "Hugo", "Elena", "Max", "Clara", "Noah", "Zoe", "Raj", "Yuki",
]
COMMON_FAMILY = [
    "Smith", "Jones", "Brown", "Miller", "Wilson", "Taylor", "Clark", "Lewis", "Walker", "Young",
    "King", "Wright", "Hill", "Green", "Baker", "Adams", "Nelson", "Carter", "Mitchell", "Turner",
    "Schmidt", "Weber", "Meyer", "Wagner", "Becker", "Rossi", "Russo", "Silva", "Costa", "Lopez",
    "Martin", "Bernard", "Dubois", "Jansen", "Bakker", "Nowak", "Kowalski", "Novak", "Horvat",
    "Larsen", "Berg", "Kim", "Patel", "Singh", "Khan", "Chen", "Wang", "Tanaka", "Sato", "Ali",
]
ENGLISH_GIVEN = [
    "James", "Olivia", "Christopher", "Elizabeth", "Alexander", "Charlotte", "Benjamin", "Eleanor",
    "Jonathan", "Margaret", "Nathaniel", "Josephine", "Sam", "Li", "Bo", "Jo", "Evangeline",
    "Maximilian", "Gwendolyn", "Bartholomew", "Florence", "Theodore", "Persephone", "Ada", "Grace",
    "Siobhán", "Aoife", "Niamh", "Gwenllian", "Rhiannon", "Dafydd", "Seán", "Caoimhín",
]
ENGLISH_FAMILY = [
    "Smith", "Lovelace", "Hopper", "Featherstonehaugh", "Montgomery", "Worthington", "Cholmondeley",
    "Fitzwilliam", "Ó Súilleabháin", "Ní Mhaolagáin", "Mac Giolla Phádraig", "ap Gruffydd",
    "Blackwood", "Ashworth-Fairbairn", "Wolstenholme", "Throckmorton", "Lee", "Ng", "O'Neill",
]
GERMAN_GIVEN = [
    "Hans-Jürgen", "Karl-Heinz", "Friedrich-Wilhelm", "Annegret", "Jürgen", "Gisela", "Björn",
    "Lieselotte", "Wolfgang", "Ursula", "Ekkehard", "Hannelore", "Jörg", "Sönke", "Dörthe",
]
GERMAN_FAMILY = [
    "Müller", "Schwarzenberger", "Großkreutz", "Oberhollenzer", "Müller-Lüdenscheidt",
    "Schmidt-Schwarzenbach", "Hohenzollern-Sigmaringen", "von Weizsäcker", "zu Guttenberg",
    "Brandenburger", "Fleischhauer", "Kirchschläger", "Rosenthal-Bauernfeind", "Wolfeschlegelstein",
    "Oberschleißheimer", "Donnersmarck", "Käßbohrer", "Schönberger-Königswinter",
]
FRENCH_GIVEN = [
    "Jean-Baptiste", "Marie-Hélène", "Françoise", "Anne-Sophie", "Éloïse", "Jean-François", "Zoë",
    "Hervé", "Maëlle", "Pierre-Alexandre", "Bénédicte", "Clémentine", "Noël", "Gaëtan", "Aurélien",
]
FRENCH_FAMILY = [
    "Lefèvre", "de La Rochefoucauld", "Dupont-Aignan", "Giscard d'Estaing", "Ångström-Lefèvre",
    "Beaumarchais", "de la Fontaine-Bourbon", "Lévêque", "Boulanger", "Desmarais-Théberge",
    "Chevènement", "Saint-Exupéry", "Mérimée",
]
IBERIAN_GIVEN = [
    "María José", "Juan Pablo", "Guadalupe", "José Luis", "María de los Ángeles", "Inmaculada",
    "Fernando", "Concepción", "João Pedro", "Maria da Conceição", "Antônio", "Iñaki", "Begoña",
    "Nuño", "Ximena", "Leonor", "Sebastián", "Ana", "Raúl",
]
IBERIAN_FAMILY = [
    "García", "Fernández", "Rodríguez", "González", "Martínez", "Sánchez", "de Córdoba",
    "de la Fuente", "dos Santos", "Oliveira", "Gonçalves", "Etxeberria", "Goikoetxea",
    "Azpilicueta", "Núñez de Balboa", "Vasconcelos", "Peña", "Ibáñez", "Castelo Branco",
]
SLAVIC_GIVEN = [
    "Małgorzata", "Grzegorz", "Krzysztof", "Przemysław", "Maria-Magdalena", "Agnieszka",
    "Václav", "Jiřina", "Břetislav", "Zdeněk", "Ľubomír", "Dragoslav", "Željka", "Ivana",
]
SLAVIC_FAMILY = [
    "Szczepańska-Wróblewska", "Brzęczyszczykiewicz", "Wojciechowski", "Dvořák", "Novotná",
    "Štěpánek", "Krzyżanowska", "Chrząszczewska", "Zieliński", "Przybyszewski-Łukasiewicz",
    "Hřebíčková", "Đorđević", "Kovačević", "Ščerbinová",
]
NORDIC_GIVEN = ["Åsa", "Bjørn", "Søren", "Þórunn", "Sigríður", "Ægir", "Øystein", "Märta", "Jyrki"]
NORDIC_FAMILY = [
    "Sigurðsson", "Kristjánsdóttir", "Ødegaard", "Åkesson", "Þorsteinsdóttir", "Kärkkäinen",
    "Hjálmarsson", "Vänskä", "Grønbech-Møller",
]
TURKIC_GIVEN = ["Ömer", "Gülşen", "Çağlar", "Şükrü", "Ayşegül", "İlkay", "Ağca", "Nurlan"]
TURKIC_FAMILY = ["Yıldırım", "Öztürk", "Karaosmanoğlu", "Çelikkanat", "Şahin", "Büyükkökten"]  # noqa: RUF001 (Turkish dotless i)
HUNGARIAN_GIVEN = ["Erzsébet", "Győző", "Zsófia", "Örs", "Csilla"]
HUNGARIAN_FAMILY = ["Szőke", "Győrffy", "Kővári-Szentgyörgyi", "Böszörményi", "Tőkés"]
AFRICAN_GIVEN = ["Olúwaségun", "Chukwuemeka", "Ngozi", "Adébáyọ̀", "Thandiwe", "Kwame", "Nkechi"]
AFRICAN_FAMILY = ["Adébáyọ̀", "Okonkwo-Nwachukwu", "Oyèláràn", "Mbeki", "Nwachukwu", "Abíọ́dún"]
MALAY_PARTS = [
    "Siti Nurhaliza binti Tarudin", "Muhammad Rizky Pratama", "Nur Aisyah binti Abdullah",
    "Ahmad Faizal bin Mohd Yusof", "Dewi Lestari Simangunsong", "Putu Ayu Wulandari",
]
VIETNAMESE_FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"]
VIETNAMESE_MIDDLE = ["Thị", "Văn", "Đức", "Ngọc", "Hữu", "Thanh", "Minh", "Quang", "Xuân"]
VIETNAMESE_GIVEN = [
    "Minh Khai", "Hương", "Quỳnh", "Phương", "Tuấn", "Dũng", "Hưng Đạo", "Thủy Tiên", "Nguyệt",
    "Khánh Linh", "Trường Giang", "Bảo Ngọc", "Lộc",
]
DUTCH_GIVEN = ["Annemieke", "Geertruida", "Pieter-Jan", "Joost", "Maarten", "Sjoerd", "IJsbrand"]
DUTCH_FAMILY = ["van der Westhuizen", "van den Hoogenband", "de Vries", "Schimmelpenninck", "Zwanenburg"]

LATIN_GROUPS = [
    (COMMON_GIVEN, COMMON_FAMILY, 110),
    (ENGLISH_GIVEN, ENGLISH_FAMILY, 22),
    (GERMAN_GIVEN, GERMAN_FAMILY, 10),
    (FRENCH_GIVEN, FRENCH_FAMILY, 8),
    (IBERIAN_GIVEN, IBERIAN_FAMILY, 12),
    (SLAVIC_GIVEN, SLAVIC_FAMILY, 8),
    (NORDIC_GIVEN, NORDIC_FAMILY, 4),
    (TURKIC_GIVEN, TURKIC_FAMILY, 3),
    (HUNGARIAN_GIVEN, HUNGARIAN_FAMILY, 2),
    (AFRICAN_GIVEN, AFRICAN_FAMILY, 3),
    (DUTCH_GIVEN, DUTCH_FAMILY, 3),
]

# --- Other scripts ------------------------------------------------------------------------------

ARABIC_GIVEN = ["محمد", "أحمد", "فاطمة", "عبد الرحمن", "نور الهدى", "عائشة", "يوسف", "خديجة", "عبد الله"]
ARABIC_FAMILY = [
    "العتيبي", "الشمري", "بن عبد العزيز آل سعود", "القحطاني", "الحسيني", "بن راشد المكتوم",
    "عبد الرحيم", "الزهراني", "بن محمد بن عبد الرحمن",
]
PERSIAN_GIVEN = ["محمدحسین", "زهرا", "فرشته", "علیرضا", "سید محمد", "نیلوفر", "امیرحسین"]
PERSIAN_FAMILY = ["شهریاری", "تبریزی", "حسینی‌زاده", "کاظمی‌نژاد", "بهجت‌آبادی", "قاسمی", "میرزایی"]
HEBREW_GIVEN = ["דוד", "שרה", "יעקב", "אברהם", "מרים", "נחמה", "יהושע", "רבקה"]
HEBREW_FAMILY = ["כהן", "לוי", "בן גוריון", "רוזנברג", "אבוטבול", "פרידמן-גולדשטיין", "מזרחי"]
DEVANAGARI_GIVEN = ["अनिल कुमार", "प्रियंका", "राजेश", "सुनीता", "विश्वनाथ", "ऐश्वर्या", "लक्ष्मीनारायण"]
DEVANAGARI_FAMILY = ["शर्मा", "वर्मा", "चतुर्वेदी", "त्रिपाठी", "श्रीवास्तव", "बंद्योपाध्याय", "कृष्णमूर्ति"]
BENGALI_GIVEN = ["রবীন্দ্রনাথ", "সুচিত্রা", "অমিতাভ", "শর্মিলা", "জ্যোতির্ময়"]
BENGALI_FAMILY = ["ঠাকুর", "চট্টোপাধ্যায়", "বন্দ্যোপাধ্যায়", "মুখোপাধ্যায়", "সেনগুপ্ত"]
TAMIL_GIVEN = ["தமிழ்ச்செல்வி", "முருகன்", "கிருஷ்ணமூர்த்தி", "அன்புச்செல்வன்", "வள்ளியம்மை"]
TAMIL_FAMILY = ["இராமசாமி", "சுப்பிரமணியம்", "வெங்கடேசன்", "கிருஷ்ணமூர்த்தி", "பாலசுப்பிரமணியன்"]
THAI_GIVEN = ["สมชาย", "สมหญิง", "ประยุทธ์", "วิไลวรรณ", "ณัฐพงศ์", "กาญจนาภรณ์", "เฉลิมพล"]
THAI_FAMILY = ["ใจดี", "สุขสวัสดิ์", "เจริญรุ่งเรือง", "ศรีสุวรรณ", "ธนากรวงศ์ไพศาล", "ณ อยุธยา", "วงศ์สวัสดิ์"]
CHINESE_FAMILY = ["王", "李", "张", "刘", "陈", "杨", "欧阳", "司马", "诸葛", "上官", "黄", "赵"]
CHINESE_GIVEN = ["伟", "秀英", "志强", "慕容雪", "静怡", "浩然", "子涵", "思远", "雨桐", "建国"]
JAPANESE_FAMILY = ["佐藤", "鈴木", "高橋", "渡辺", "長谷川", "勅使河原", "小鳥遊", "伊集院"]
JAPANESE_GIVEN = ["翔太", "陽菜", "さくら", "美咲", "健一郎", "ひかり", "蓮", "結衣"]
KOREAN_FAMILY = ["김", "이", "박", "최", "남궁", "선우", "황보", "정"]
KOREAN_GIVEN = ["민준", "서연", "지훈", "하은", "예린", "도윤", "수빈"]
CYRILLIC_GIVEN = [
    "Александра Константиновна", "Дмитрий Сергеевич", "Володимир", "Олександр", "Ксения",
    "Святослав", "Євгенія", "Аграфена",
]
CYRILLIC_FAMILY = [
    "Преображенская-Рождественская", "Шевченко", "Коваленко", "Иванов", "Достоевский",
    "Воскресенский", "Щербаков", "Григорьєва",
]
ARMENIAN_GIVEN = ["Հովհաննես", "Անահիտ", "Մկրտիչ Արշակի", "Նարինե", "Գրիգոր"]
ARMENIAN_FAMILY = ["Հովհաննիսյան", "Տեր-Գրիգորյան", "Պետրոսյան", "Մելիք-Շահնազարյան"]
GEORGIAN_GIVEN = ["ნინო", "გიორგი", "თამარ", "ზურაბ", "ქეთევან"]
GEORGIAN_FAMILY = ["ბერიძე", "ჯავახიშვილი", "კაპანაძე", "ჭავჭავაძე", "მეტრეველი"]
GREEK_GIVEN = ["Αλέξανδρος", "Παναγιώτα", "Κωνσταντίνος", "Ευαγγελία", "Χαράλαμπος"]
GREEK_FAMILY = ["Παπαδόπουλος", "Χατζηγεωργίου", "Καραμανλής", "Παπακωνσταντίνου", "Αθανασοπούλου"]

EMOJI = [
    "👩🏽\u200d💻", "🧑🏿\u200d🚀", "🏳️\u200d🌈", "👨\u200d👩\u200d👧\u200d👦", "🇧🇷", "🇯🇵", "🇺🇦", "🇳🇬",
    "🦄", "✨", "🎉", "❤️", "🐍", "🏴\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f",
]

# --- Organisations ------------------------------------------------------------------------------

ORGANISATIONS = [
    "FOSSASIA", "ACME", "IBM", "Red Hat", "Mozilla Foundation", "The Document Foundation",
    "Technische Universität München", "Universidad Nacional Autónoma de México",
    "Max-Planck-Institut für Kernphysik", "École Polytechnique Fédérale de Lausanne",
    "Indian Institute of Technology Bombay", "National University of Singapore",
    "Norges teknisk-naturvitenskapelige universitet", "Politechnika Wrocławska",
    "Instituto Nacional de Matemática Pura e Aplicada", "Đại học Quốc gia Hà Nội",
    "東京大学", "北京大学", "서울대학교", "جامعة الملك عبد العزيز", "دانشگاه صنعتی شریف",
    "האוניברסיטה העברית בירושלים", "Московский государственный университет", "จุฬาลงกรณ์มหาวิทยาลัย",
    "भारतीय प्रौद्योगिकी संस्थान दिल्ली", "Self-employed", "Freelance", "",
]
ORG_WORDS = [
    "Open", "Cloud", "Data", "Quantum", "Green", "Blue", "North", "Civic", "Digital", "Neural",
    "Kernel", "Atlas", "Harbour", "Summit", "Prairie", "Lighthouse", "Beacon", "Granite",
]
ORG_KINDS = [
    "Labs", "Systems", "Software GmbH", "Solutions Pvt. Ltd.", "Technologies Inc.", "Collective",
    "Foundation", "Consulting S.A. de C.V.", "Research Institute", "Cooperative Society Limited",
    "Engineering & Infrastructure Partners LLP", "Sp. z o.o.", "Kabushiki Kaisha", "AB",
]
ROLES = ["Attendee", "Attendee", "Attendee", "Speaker", "Volunteer", "Organiser", "Sponsor", "Press"]
# fmt: on


def _latin(rng: random.Random) -> str:
    if rng.random() < 0.06:
        return _vietnamese(rng)
    if rng.random() < 0.03:
        return rng.choice(MALAY_PARTS) + " " + rng.choice(ENGLISH_GIVEN)
    given_names, family_names, _ = rng.choices(LATIN_GROUPS, weights=[w for *_, w in LATIN_GROUPS])[0]
    parts = [rng.choice(given_names)]
    if rng.random() < 0.12:  # a second given name
        parts.append(rng.choice([other for other in given_names if other != parts[0]]))
    parts.append(rng.choice(family_names))
    if family_names is IBERIAN_FAMILY and rng.random() < 0.6:  # father's and mother's surnames
        parts.append(rng.choice([other for other in family_names if other != parts[-1]]))
    elif rng.random() < 0.08 and "-" not in parts[-1]:  # double-barrelled
        parts[-1] += "-" + rng.choice([other for other in family_names if other != parts[-1]])
    return " ".join(parts)


def _vietnamese(rng: random.Random) -> str:
    return " ".join(
        [rng.choice(VIETNAMESE_FAMILY), rng.choice(VIETNAMESE_MIDDLE), rng.choice(VIETNAMESE_GIVEN)]
    )


def _given_family(given: list[str], family: list[str]) -> Callable:
    def make(rng: random.Random) -> str:
        first, last = rng.choice(given), rng.choice(family)
        if rng.random() < 0.25:  # two family names, never the same twice
            last += " " + rng.choice([other for other in family if other != last])
        return f"{first} {last}"

    return make


def _east_asian(family: list[str], given: list[str], space: float) -> Callable:
    def make(rng: random.Random) -> str:
        separator = " " if rng.random() < space else ""
        return rng.choice(family) + separator + rng.choice(given)

    return make


# (maker, weight): weights are out of 100.
SCRIPTS: list[tuple[Callable[[random.Random], str], float]] = [
    (_latin, 72),
    (_given_family(ARABIC_GIVEN, ARABIC_FAMILY), 3),
    (_given_family(PERSIAN_GIVEN, PERSIAN_FAMILY), 2),
    (_given_family(HEBREW_GIVEN, HEBREW_FAMILY), 2),
    (_given_family(DEVANAGARI_GIVEN, DEVANAGARI_FAMILY), 3),
    (_given_family(BENGALI_GIVEN, BENGALI_FAMILY), 1.5),
    (_given_family(TAMIL_GIVEN, TAMIL_FAMILY), 1.5),
    (_given_family(THAI_GIVEN, THAI_FAMILY), 2),
    (_east_asian(CHINESE_FAMILY, CHINESE_GIVEN, 0.0), 3),
    (_east_asian(JAPANESE_FAMILY, JAPANESE_GIVEN, 0.5), 2),
    (_east_asian(KOREAN_FAMILY, KOREAN_GIVEN, 0.3), 2),
    (_given_family(CYRILLIC_GIVEN, CYRILLIC_FAMILY), 3),
    (_given_family(ARMENIAN_GIVEN, ARMENIAN_FAMILY), 1),
    (_given_family(GEORGIAN_GIVEN, GEORGIAN_FAMILY), 1),
    (_given_family(GREEK_GIVEN, GREEK_FAMILY), 1),
]


def _one_name(rng: random.Random) -> str:
    make = rng.choices([maker for maker, _ in SCRIPTS], weights=[weight for _, weight in SCRIPTS])[0]
    name = make(rng)
    if rng.random() < 0.03:
        name += " " + rng.choice(EMOJI)
    return name


def realistic_names(count: int, seed: int = 10) -> list[str]:
    """`count` different names, the same ones for the same seed."""
    rng = random.Random(seed)
    names: dict[str, None] = {}
    attempts = 0
    while len(names) < count:
        attempts += 1
        name = _one_name(rng)
        if name in names and attempts > count * 3:
            # The tables are large, but not endless: a middle initial tells people apart.
            name = name.replace(" ", f" {rng.choice('ABCDEFGHJKLMNOPRSTVW')}. ", 1)
        names.setdefault(name)
    return list(names)


def organisation(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(ORGANISATIONS)
    words = rng.sample(ORG_WORDS, rng.choice((1, 1, 2, 3)))
    return " ".join([*words, rng.choice(ORG_KINDS)])


def realistic_attendees(count: int, seed: int = 10) -> list[dict[str, str]]:
    """Rows with name, organization, role and email (empty: no QR code to draw)."""
    rng = random.Random(seed + 1)
    return [
        {"name": name, "organization": organisation(rng), "role": rng.choice(ROLES), "email": ""}
        for name in realistic_names(count, seed)
    ]


if __name__ == "__main__":
    for row in realistic_attendees(int(sys.argv[1]) if len(sys.argv) > 1 else 20):
        print(f"{row['name']}  |  {row['organization']}  |  {row['role']}")
