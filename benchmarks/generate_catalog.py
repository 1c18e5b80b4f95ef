"""Generate a synthetic but realistic product catalogue CSV for benchmarks.

    python benchmarks/generate_catalog.py OUT.csv --rows 1000000 [--seed 1]

Columns: sku, title, brand, seller, model, description, category, price, date.
Mostly ordinary products of many categories; a few percent products of restricted makers and
their brands (Hikvision, EZVIZ, HiLook, Dahua, Imou, Amcrest, Lorex, Huawei, ZTE, Hytera); about
two percent accessories that name those makers only for compatibility; some Chinese-script titles.
Descriptions are 200-1,000 characters; a few carry HTML, some are multi-line bullet lists, some
titles hold inch marks (so the writer quotes them). All templates are written here; nothing is
copied from the evaluation data. The output is deterministic for a given seed.
"""

from __future__ import annotations

import argparse
import csv
import random
import string
import sys
import time
from pathlib import Path

COLUMNS = ("sku", "title", "brand", "seller", "model", "description", "category", "price", "date")

# (category, brand, model pattern, title template, price range). In model patterns "#" is a
# digit and "@" an upper-case letter.
CLEAR_PRODUCTS: tuple[tuple[str, str, str, str, tuple[int, int]], ...] = (
    (
        "Electronics > TVs",
        "Samsung",
        "QN##Q@##@",
        '{brand} {tv}" 4K QLED Smart TV {model}',
        (399, 2499),
    ),
    (
        "Electronics > TVs",
        "LG",
        "OLED##C#PUA",
        '{brand} {tv}" OLED evo Smart TV {model}',
        (899, 2999),
    ),
    (
        "Electronics > TVs",
        "Sony",
        "XR-##A##L",
        '{brand} BRAVIA XR {tv}" 4K HDR TV {model}',
        (799, 2799),
    ),
    (
        "Electronics > TVs",
        "TCL",
        "##S###",
        '{brand} {tv}" Class 4-Series 4K Roku TV {model}',
        (199, 899),
    ),
    (
        "Electronics > TVs",
        "Vizio",
        "V###-J##",
        '{brand} {tv}" V-Series 4K HDR Smart TV',
        (249, 699),
    ),
    (
        "Electronics > Phones",
        "Apple",
        "MQ#@#LL/A",
        "{brand} iPhone 15 Pro {storage} {color}",
        (799, 1299),
    ),
    (
        "Electronics > Phones",
        "Samsung",
        "SM-S9##U",
        "{brand} Galaxy S24 {storage} Unlocked {color}",
        (699, 1199),
    ),
    ("Electronics > Phones", "Google", "G@##@", "{brand} Pixel 8 {storage} {color}", (499, 999)),
    (
        "Electronics > Phones",
        "Motorola",
        "XT####-#",
        "{brand} moto g power {storage} {color}",
        (149, 299),
    ),
    ("Electronics > Phones", "Nokia", "TA-####", "{brand} G310 5G {storage} {color}", (149, 249)),
    (
        "Networking > Routers",
        "TP-Link",
        "Archer AX##",
        "{brand} {model} Dual Band WiFi 6 Router",
        (59, 199),
    ),
    (
        "Networking > Routers",
        "Netgear",
        "RAX##",
        "{brand} Nighthawk {model} AX5400 WiFi 6 Router",
        (129, 349),
    ),
    (
        "Networking > Routers",
        "ASUS",
        "RT-AX##U",
        "{brand} {model} AX5700 Gaming Router",
        (149, 299),
    ),
    (
        "Networking > Switches",
        "Ubiquiti",
        "USW-Lite-#-POE",
        "{brand} UniFi Switch {model}",
        (99, 249),
    ),
    (
        "Networking > Switches",
        "Linksys",
        "LGS###P",
        "{brand} {model} 8-Port Gigabit PoE+ Switch",
        (79, 199),
    ),
    (
        "Security > Cameras",
        "Axis",
        "M####-L",
        "{brand} {model} Network Mini Dome Camera",
        (199, 699),
    ),
    (
        "Security > Cameras",
        "Bosch",
        "NDE-####-AL",
        "{brand} FLEXIDOME IP {model} Outdoor Camera",
        (399, 999),
    ),
    (
        "Security > Cameras",
        "Hanwha",
        "XNV-####R",
        "{brand} Wisenet X {model} 5MP Vandal Dome",
        (299, 899),
    ),
    (
        "Security > Cameras",
        "Reolink",
        "RLC-###A",
        "{brand} {model} 4K PoE Security Camera",
        (59, 149),
    ),
    (
        "Security > Cameras",
        "TP-Link",
        "Tapo C###",
        "{brand} {model} Pan/Tilt Home Security WiFi Camera",
        (24, 69),
    ),
    (
        "Security > Cameras",
        "Wyze",
        "WYZEC#",
        "{brand} Cam v3 1080p Indoor/Outdoor Camera",
        (29, 49),
    ),
    ("Security > Cameras", "Arlo", "VMC####", "{brand} Pro 4 Spotlight Camera {model}", (149, 299)),
    (
        "Security > Cameras",
        "Ring",
        "B0@@@@###",
        "{brand} Stick Up Cam Battery HD Security Camera",
        (79, 119),
    ),
    (
        "Kitchen > Appliances",
        "KitchenAid",
        "KSM###PS@@",
        "{brand} Artisan 5-Quart Tilt-Head Stand Mixer {color}",
        (299, 499),
    ),
    (
        "Kitchen > Appliances",
        "Ninja",
        "AF###",
        "{brand} {model} 4-Quart Air Fryer {color}",
        (79, 149),
    ),
    (
        "Kitchen > Appliances",
        "Instant Pot",
        "DUO##",
        "{brand} Duo 7-in-1 Electric Pressure Cooker 6 Quart",
        (69, 129),
    ),
    (
        "Kitchen > Cookware",
        "Lodge",
        "L#SK#",
        '{brand} {pan}" Cast Iron Skillet Pre-Seasoned',
        (19, 49),
    ),
    (
        "Kitchen > Cookware",
        "OXO",
        "#######",
        "{brand} Good Grips 3-Piece Mixing Bowl Set",
        (29, 49),
    ),
    ("Toys > Building", "LEGO", "#####", "{brand} Classic Creative Brick Box {model}", (19, 79)),
    ("Toys > Games", "Hasbro", "@####", "{brand} Gaming Monopoly Classic Board Game", (14, 29)),
    ("Toys > Dolls", "Mattel", "@@@##", "{brand} Barbie Dreamhouse Playset {model}", (29, 199)),
    ("Toys > Wooden", "Melissa & Doug", "####", "{brand} Wooden Shape Sorting Cube Toy", (14, 29)),
    (
        "Clothing > Jeans",
        "Levi's",
        "###-####",
        "{brand} Men's 505 Regular Fit Jeans {color}",
        (39, 79),
    ),
    (
        "Clothing > Outerwear",
        "Columbia",
        "WM####",
        "{brand} Women's Switchback III Rain Jacket {color}",
        (39, 99),
    ),
    (
        "Clothing > Workwear",
        "Carhartt",
        "K##",
        "{brand} Men's Loose Fit Heavyweight Pocket T-Shirt {color}",
        (19, 39),
    ),
    (
        "Clothing > Basics",
        "Hanes",
        "####",
        "{brand} Men's ComfortSoft Crew Neck T-Shirt 6-Pack",
        (19, 29),
    ),
    (
        "Tools > Power Tools",
        "DeWalt",
        "DCD###C#",
        "{brand} 20V MAX Cordless Drill Driver Kit {model}",
        (99, 199),
    ),
    (
        "Tools > Power Tools",
        "Makita",
        "XFD##",
        "{brand} 18V LXT Brushless Drill {model}",
        (99, 229),
    ),
    (
        "Tools > Power Tools",
        "Bosch",
        "GSR##V-###",
        "{brand} {model} 12V Max Drill/Driver Kit",
        (79, 159),
    ),
    (
        "Audio > Headphones",
        "Sony",
        "WH-1000XM#",
        "{brand} {model} Wireless Noise Canceling Headphones {color}",
        (249, 399),
    ),
    (
        "Audio > Speakers",
        "Bose",
        "######-####",
        "{brand} SoundLink Flex Bluetooth Speaker {color}",
        (99, 149),
    ),
    (
        "Audio > Speakers",
        "JBL",
        "FLIP#",
        "{brand} {model} Portable Waterproof Speaker {color}",
        (79, 129),
    ),
    (
        "Computers > Laptops",
        "Dell",
        "XPS##-####",
        '{brand} XPS {laptop}" Laptop {storage}',
        (899, 1899),
    ),
    (
        "Computers > Laptops",
        "Lenovo",
        "##@@####US",
        '{brand} IdeaPad Slim 5 {laptop}" Laptop {storage}',
        (549, 999),
    ),
    (
        "Computers > Accessories",
        "Logitech",
        "9##-######",
        "{brand} MX Master 3S Wireless Mouse {color}",
        (79, 99),
    ),
    (
        "Home > Storage",
        "Sterilite",
        "#####",
        "{brand} 66 Quart Latching Storage Box, 6-Pack",
        (39, 69),
    ),
    ("Beauty > Hair", "Dyson", "HD##", "{brand} Supersonic Hair Dryer {model} {color}", (399, 499)),
    (
        "Sports > Fitness",
        "Bowflex",
        "SelectTech ###",
        "{brand} {model} Adjustable Dumbbells (Pair)",
        (299, 499),
    ),
)

# Products of restricted makers or their brands (the positives of a screening run).
RESTRICTED_PRODUCTS: tuple[tuple[str, str, str, str, tuple[int, int]], ...] = (
    (
        "Security > Cameras",
        "Hikvision",
        "DS-2CD2143G2-I",
        "{brand} {model} 4MP AcuSense Dome Network Camera",
        (89, 159),
    ),
    (
        "Security > Cameras",
        "Hikvision",
        "DS-2CD2087G2-LU",
        "{brand} {model} 8MP ColorVu Bullet Camera",
        (129, 219),
    ),
    (
        "Security > NVR",
        "Hikvision",
        "DS-7608NI-K2/8P",
        "{brand} {model} 8-Channel PoE NVR",
        (199, 349),
    ),
    (
        "Security > Cameras",
        "EZVIZ",
        "CS-C6N-A0-1C2WFR",
        "{brand} C6N 1080p Pan/Tilt WiFi Indoor Camera",
        (29, 49),
    ),
    ("Security > Cameras", "HiLook", "IPC-B140H", "{brand} {model} 4MP Bullet IP Camera", (39, 69)),
    (
        "Security > Cameras",
        "Dahua",
        "IPC-HDW2431T-AS-S2",
        "{brand} {model} 4MP Lite IR Eyeball Camera",
        (69, 129),
    ),
    (
        "Security > Cameras",
        "Dahua",
        "DH-IPC-HFW1230S",
        "{brand} {model} 2MP IR Mini Bullet Camera",
        (39, 79),
    ),
    (
        "Security > Cameras",
        "Imou",
        "IPC-F42P",
        "{brand} Bullet 2C 4MP WiFi Outdoor Camera {model}",
        (39, 59),
    ),
    (
        "Security > Cameras",
        "Amcrest",
        "IP8M-2496EW",
        "{brand} UltraHD 4K Outdoor PoE Camera {model}",
        (79, 119),
    ),
    (
        "Security > Cameras",
        "Lorex",
        "E893AB",
        "{brand} 4K Ultra HD IP Bullet Camera {model}",
        (99, 149),
    ),
    (
        "Electronics > Phones",
        "Huawei",
        "VOG-L29",
        "{brand} P30 Pro {storage} Dual SIM {color}",
        (399, 699),
    ),
    (
        "Electronics > Phones",
        "Huawei",
        "NOH-NX9",
        "{brand} Mate 40 Pro {storage} {color}",
        (599, 999),
    ),
    (
        "Networking > Routers",
        "Huawei",
        "WS7200",
        "{brand} WiFi AX3 {model} Dual-Core Router",
        (49, 89),
    ),
    (
        "Networking > Routers",
        "ZTE",
        "MF971R",
        "{brand} {model} 4G LTE Mobile WiFi Hotspot",
        (59, 99),
    ),
    ("Networking > Routers", "ZTE", "MF79U", "{brand} {model} 4G LTE USB WiFi Modem", (29, 59)),
    (
        "Radios > Two-way",
        "Hytera",
        "PD785G",
        "{brand} {model} DMR Digital Portable Two-way Radio",
        (399, 699),
    ),
)

ACCESSORIES: tuple[tuple[str, str, tuple[int, int]], ...] = (
    (
        "Security > Accessories",
        "Junction Box Compatible with {maker} {series} Dome Cameras",
        (9, 25),
    ),
    (
        "Security > Accessories",
        "12V 2A Power Supply Adapter for {maker} CCTV Cameras, 4-Pack",
        (12, 29),
    ),
    (
        "Storage > Hard Drives",
        "4TB Surveillance Hard Drive for {maker} NVR / DVR Recorders",
        (79, 119),
    ),
    (
        "Security > Accessories",
        "Wall Mount Bracket Compatible with {maker} {series} Bullet Camera",
        (9, 19),
    ),
    (
        "Networking > Cables",
        "Cat6 Ethernet Cable 100ft for {maker} PoE NVR and IP Cameras",
        (15, 35),
    ),
    ("Security > Accessories", "Replacement Remote Control for {maker} NVR DVR", (7, 15)),
)
ACCESSORY_MAKERS = ("Hikvision", "Dahua", "Hikvision/Dahua", "Hikvision & Dahua", "Lorex")
ACCESSORY_SERIES = ("DS-2CD2xx3", "IPC-HDW", "IPC-HFW", "ColorVu", "AcuSense", "Turret")

CHINESE_TITLES: tuple[tuple[str, str, str, str, tuple[int, int]], ...] = (
    (
        "Security > Cameras",
        "海康威视",
        "DS-2CD3T46WDV3-I3",
        "{brand} {model} 400万像素 网络摄像机 红外夜视",
        (299, 599),
    ),
    (
        "Security > Cameras",
        "大华",
        "DH-IPC-HFW2433M",
        "{brand} {model} 400万 红外枪型网络摄像机",
        (199, 399),
    ),
    ("Security > Cameras", "萤石", "CS-C6CN", "{brand} C6CN 云台摄像机 1080P 家用监控", (149, 249)),
    ("Security > Cameras", "小米", "MJSXJ09CM", "{brand} 智能摄像机 云台版 2K {model}", (149, 249)),
    (
        "Kitchen > Appliances",
        "美的",
        "MB-FB40S701",
        "{brand} 电饭煲 4L 智能预约 {model}",
        (199, 399),
    ),
    (
        "Electronics > Phones",
        "华为",
        "NOH-AN00",
        "{brand} Mate 40 Pro 5G 全网通 {storage}",
        (3999, 6999),
    ),
    ("Toys > Building", "乐高", "#####", "{brand} 经典创意积木盒 {model}", (99, 399)),
)

TV_SIZES = ("32", "43", "50", "55", "65", "75", "85")
LAPTOP_SIZES = ("13.3", "14", "15.6", "16")
PAN_SIZES = ("8", "10.25", "12")
STORAGES = ("64GB", "128GB", "256GB", "512GB", "8GB RAM 256GB SSD", "16GB RAM 512GB SSD")
COLORS = ("Black", "White", "Silver", "Blue", "Graphite", "Red", "Green", "Midnight", "Sand")

SELLER_FIRST = (
    "Bright",
    "Pacific",
    "Nordic",
    "Summit",
    "Maple",
    "Harbor",
    "Blue",
    "Golden",
    "Urban",
    "Prime",
    "Evergreen",
    "Lakeside",
    "Redwood",
    "Silver",
    "Coastal",
    "Northern",
    "Sunny",
    "Oak",
    "River",
    "Metro",
)
SELLER_SECOND = (
    "Home",
    "Deals",
    "Trading",
    "Goods",
    "Outlet",
    "Supply",
    "Direct",
    "Market",
    "Depot",
    "Bazaar",
    "Emporium",
    "Warehouse",
    "Corner",
    "Hub",
    "Shop",
)
SELLER_SUFFIX = ("Store", "Co", "LLC", "Ltd", "Inc", "", "", "Online", "US", "Official Store")

GENERIC_SENTENCES = (
    "Backed by a one-year limited warranty and friendly customer support.",
    "Package dimensions are listed in the specifications tab; please measure before ordering.",
    "Ships in recyclable packaging within two business days of purchase.",
    "Compatible with most standard accessories sold separately.",
    "Please note that colors may vary slightly due to monitor settings.",
    "Easy setup in minutes with the included quick start guide.",
    "Designed for everyday use at home, in the office or on the go.",
    "Our team tests every unit before it leaves the warehouse.",
    "Returns are accepted within 30 days in original condition.",
    "Made with durable materials for long-lasting performance.",
    "Energy efficient design helps lower running costs over time.",
    "Frequently bought together with related items in this category.",
)
CATEGORY_SENTENCES: dict[str, tuple[str, ...]] = {
    "Electronics": (
        "Vivid picture quality with wide color gamut and high dynamic range.",
        "Fast processor delivers smooth multitasking and quick app launches.",
        "All-day battery life with fast charging support.",
        "Built-in voice assistant and streaming apps.",
    ),
    "Networking": (
        "Dual-band WiFi 6 delivers faster speeds and lower latency for more devices.",
        "Gigabit Ethernet ports for wired gaming consoles and desktops.",
        "WPA3 security and automatic firmware updates keep your network protected.",
        "Mesh compatible to extend coverage to every room.",
    ),
    "Security": (
        "Sharp night vision up to 30 m with smart infrared illumination.",
        "Human and vehicle detection reduces false alerts from leaves and animals.",
        "IP67 weatherproof housing for indoor and outdoor installation.",
        "Supports H.265 compression, microSD recording and ONVIF.",
        "Power over Ethernet simplifies installation with a single cable.",
    ),
    "Storage": (
        "Rated for 24/7 workloads and up to 64 cameras.",
        "Optimised firmware reduces dropped frames during continuous recording.",
    ),
    "Radios": (
        "Clear digital voice with noise cancellation and long battery life.",
        "Supports DMR tier II and analog modes.",
    ),
    "Kitchen": (
        "Dishwasher-safe parts make cleanup quick and easy.",
        "Multiple presets take the guesswork out of everyday cooking.",
        "Generous capacity feeds the whole family.",
    ),
    "Toys": (
        "Encourages creativity, fine motor skills and imaginative play.",
        "Recommended for ages 4 and up; contains small parts.",
        "Makes a great birthday or holiday gift.",
    ),
    "Clothing": (
        "Soft breathable fabric keeps you comfortable all day.",
        "Machine washable; tumble dry low.",
        "Available in a wide range of sizes and colors.",
    ),
    "Tools": (
        "Brushless motor delivers more runtime and power.",
        "LED light illuminates dark work areas.",
        "Compact, lightweight design fits into tight spaces.",
    ),
    "Audio": (
        "Rich, balanced sound with deep bass.",
        "Up to 30 hours of playtime on a single charge.",
        "Bluetooth multipoint connects two devices at once.",
    ),
    "Computers": (
        "Crisp high resolution display with thin bezels.",
        "Backlit keyboard and precision touchpad.",
        "Ergonomic shape supports your hand for hours of work.",
    ),
}
CHINESE_SENTENCES = (
    "支持手机远程查看，夜视清晰。",
    "全国联保，正品保障，七天无理由退货。",
    "智能侦测，异常情况及时推送提醒。",
    "防水防尘设计，适用于室内外安装。",
)


def _fill_model(rng: random.Random, pattern: str) -> str:
    out = []
    for ch in pattern:
        if ch == "#":
            out.append(string.digits[rng.randrange(10)])
        elif ch == "@":
            out.append(string.ascii_uppercase[rng.randrange(26)])
        else:
            out.append(ch)
    return "".join(out)


def _description(rng: random.Random, category: str, chinese: bool) -> str:
    pool = CATEGORY_SENTENCES.get(category.split(" > ")[0], ()) + GENERIC_SENTENCES
    target = rng.randint(200, 1000)
    parts: list[str] = []
    length = 0
    if chinese:
        parts.append("".join(rng.sample(CHINESE_SENTENCES, 2)))
        length += 40
    while length < target:
        sentence = pool[rng.randrange(len(pool))]
        parts.append(sentence)
        length += len(sentence) + 1
    style = rng.random()
    if style < 0.03:  # HTML from a marketplace export
        text = "<p>" + "<br>".join(parts) + "</p><ul><li>Warranty &amp; support</li></ul>"
    elif style < 0.08:  # bullet list over several lines
        text = "\n".join("• " + p for p in parts)
    else:
        text = " ".join(parts)
    return text[:1000]


def _seller(rng: random.Random) -> str:
    suffix = SELLER_SUFFIX[rng.randrange(len(SELLER_SUFFIX))]
    name = (
        SELLER_FIRST[rng.randrange(len(SELLER_FIRST))]
        + SELLER_SECOND[rng.randrange(len(SELLER_SECOND))]
    )
    return f"{name} {suffix}".strip()


def _sku(rng: random.Random, index: int) -> str:
    if rng.random() < 0.5:
        return "B0" + "".join(rng.choices(string.ascii_uppercase + string.digits, k=8))
    return f"SKU-{index:08d}"


def _product_row(
    rng: random.Random, product: tuple[str, str, str, str, tuple[int, int]], chinese: bool
) -> tuple[str, str, str, str, str]:
    category, brand, pattern, template, (low, high) = product
    model = _fill_model(rng, pattern)
    title = template.format(
        brand=brand,
        model=model,
        tv=TV_SIZES[rng.randrange(len(TV_SIZES))],
        laptop=LAPTOP_SIZES[rng.randrange(len(LAPTOP_SIZES))],
        pan=PAN_SIZES[rng.randrange(len(PAN_SIZES))],
        storage=STORAGES[rng.randrange(len(STORAGES))],
        color=COLORS[rng.randrange(len(COLORS))],
    )
    price = f"{rng.uniform(low, high):.2f}"
    return category, brand, model, title, price


def generate_row(rng: random.Random, index: int) -> list[str]:
    """One catalogue row (columns as in ``COLUMNS``)."""
    draw = rng.random()
    chinese = False
    if draw < 0.03:
        category, brand, model, title, price = _product_row(
            rng, RESTRICTED_PRODUCTS[rng.randrange(len(RESTRICTED_PRODUCTS))], False
        )
    elif draw < 0.05:
        category, template, (low, high) = ACCESSORIES[rng.randrange(len(ACCESSORIES))]
        title = template.format(
            maker=ACCESSORY_MAKERS[rng.randrange(len(ACCESSORY_MAKERS))],
            series=ACCESSORY_SERIES[rng.randrange(len(ACCESSORY_SERIES))],
        )
        brand = rng.choice(("Generic", "UCTRONICS", "iPower", "WD Purple", ""))
        model = ""
        price = f"{rng.uniform(low, high):.2f}"
    elif draw < 0.06:
        chinese = True
        category, brand, model, title, price = _product_row(
            rng, CHINESE_TITLES[rng.randrange(len(CHINESE_TITLES))], True
        )
    else:
        category, brand, model, title, price = _product_row(
            rng, CLEAR_PRODUCTS[rng.randrange(len(CLEAR_PRODUCTS))], False
        )
    if rng.random() < 0.2:  # many marketplaces leave brand or model empty
        brand = ""
    if rng.random() < 0.3:
        model = ""
    date = f"{rng.randint(2012, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return [
        _sku(rng, index),
        title,
        brand,
        _seller(rng),
        model,
        _description(rng, category, chinese),
        category,
        price,
        date,
    ]


def generate(path: Path, rows: int, seed: int = 1) -> None:
    """Write ``rows`` catalogue rows to ``path`` (UTF-8 CSV with a header)."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        chunk: list[list[str]] = []
        for index in range(rows):
            chunk.append(generate_row(rng, index))
            if len(chunk) == 10_000:
                writer.writerows(chunk)
                chunk.clear()
        writer.writerows(chunk)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    generate(args.out, args.rows, args.seed)
    elapsed = time.perf_counter() - started
    size_mb = args.out.stat().st_size / 1e6
    print(
        f"wrote {args.rows:,} rows, {size_mb:,.0f} MB to {args.out} in {elapsed:.1f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
