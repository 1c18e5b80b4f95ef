"""Canonical record fields per kind and recognition of a file's columns by name."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from whomade.inputs.errors import ColumnError

KINDS = ("catalog", "devices", "vendors")

CANONICAL_FIELDS: dict[str, tuple[str, ...]] = {
    "catalog": (
        "id", "title", "brand", "manufacturer", "seller", "model", "description", "category",
        "url", "date", "price", "currency", "marketplace", "lang", "fcc_id", "upc",
    ),
    "devices": (
        "id", "hostname", "ip", "mac", "vendor", "manufacturer", "model", "serial", "firmware",
        "http_server", "http_www_authenticate", "html_title", "rtsp_server", "telnet_banner",
        "ssh_banner", "ftp_banner", "snmp_sysdescr", "sip_user_agent", "tls_cert_subject",
        "dhcp_vendor_class", "device_title", "stream_path", "banner", "os", "date",
    ),
    "vendors": (
        "id", "name", "address", "city", "country", "website", "parent", "identifiers", "date",
    ),
}  # fmt: skip

# Source column names recognised for each canonical field, best first. Names are compared after
# normalize_name(), so "Product Name", "product_name" and "PRODUCT-NAME" are the same.
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "catalog": {
        "id": (
            "id", "sku", "asin", "item_id", "listing_id", "product_id", "uniq_id", "unique_id",
            "offer_id", "record_id", "item_number", "article_number", "product_sku", "goods_id",
            "编号", "商品编号", "货号",
        ),
        "title": (
            "title", "product_title", "product name", "name", "item name", "item title",
            "listing_title", "product", "goods_name", "标题", "商品名称", "产品名称", "名称",
        ),
        "brand": ("brand", "brand_name", "product_brand", "品牌"),
        "manufacturer": (
            "manufacturer", "maker", "mfr", "mfg", "manufacturer_name", "制造商", "厂家",
        ),
        "seller": (
            "seller", "seller_name", "store", "store_name", "storefront", "shop", "shop_name",
            "merchant", "merchant_name", "vendor", "vendor_name", "sold_by", "店铺",
        ),
        "model": (
            "model", "model_number", "model_no", "model_name", "mpn", "part_number", "part_no",
            "manufacturer_part_number", "型号",
        ),
        "description": (
            "description", "desc", "product_description", "details", "bullet_points",
            "about_this_item", "about", "features", "long_description", "描述",
        ),
        "category": (
            "category", "categories", "product_category", "category_name", "main_category",
            "department", "breadcrumbs", "类目", "分类",
        ),
        "url": ("url", "product_url", "listing_url", "link", "product_link", "href"),
        "date": (
            "date", "listing_date", "created", "created_at", "first_available",
            "date_first_available", "date_added", "published_at", "release_date",
        ),
        "price": ("price", "list_price", "sale_price", "actual_price", "discount_price", "价格"),
        "currency": ("currency", "currency_code"),
        "marketplace": ("marketplace", "site", "platform", "market", "channel", "domain"),
        "lang": ("lang", "language", "locale"),
        "fcc_id": ("fcc_id", "fcc", "fcc_identifier"),
        "upc": ("upc", "ean", "gtin", "barcode", "upc_ean", "ean13"),
    },
    "devices": {
        "id": ("id", "asset_id", "asset_tag", "device_id", "inventory_id", "record_id", "asset"),
        "hostname": ("hostname", "host_name", "host", "device_name", "fqdn", "dns_name", "sysname"),
        "ip": ("ip", "ip_address", "ipv4", "ipv4_address", "ip_addr", "ipv6"),
        "mac": (
            "mac", "mac_address", "mac_addr", "hw_address", "hardware_address", "physical_address",
        ),
        "vendor": ("vendor", "vendor_field", "mac_vendor", "oui_vendor", "nic_vendor"),
        "manufacturer": ("manufacturer", "maker", "make", "mfr"),
        "model": (
            "model", "model_name", "model_number", "device_model", "product_model",
            "hardware_model",
        ),
        "serial": ("serial", "serial_number", "serial_no", "sn"),
        "firmware": (
            "firmware", "firmware_version", "fw", "fw_version", "software_version", "sw_version",
        ),
        "http_server": (
            "http_server", "http_server_banner", "server", "server_header", "web_server",
        ),
        "http_www_authenticate": (
            "http_www_authenticate", "www_authenticate", "auth_realm", "realm",
        ),
        "html_title": ("html_title", "http_title", "page_title", "web_title", "title"),
        "rtsp_server": ("rtsp_server", "rtsp_server_banner", "rtsp_banner"),
        "telnet_banner": ("telnet_banner", "telnet"),
        "ssh_banner": ("ssh_banner", "ssh", "ssh_version"),
        "ftp_banner": ("ftp_banner", "ftp"),
        "snmp_sysdescr": (
            "snmp_sysdescr", "sysdescr", "sys_descr", "sys_description", "snmp_description",
        ),
        "sip_user_agent": ("sip_user_agent", "sip_ua", "user_agent"),
        "tls_cert_subject": (
            "tls_cert_subject", "cert_subject", "ssl_cert_subject", "certificate_subject",
            "tls_subject",
        ),
        "dhcp_vendor_class": (
            "dhcp_vendor_class", "vendor_class", "vendor_class_identifier", "dhcp_option_60",
        ),
        "device_title": (
            "device_title", "name", "device_description", "device_type", "description", "product",
        ),
        "stream_path": ("stream_path", "rtsp_path", "stream_url", "rtsp_url"),
        "banner": ("banner", "sip_banner", "service_banner", "raw_banner", "upnp_banner"),
        "os": ("os", "operating_system", "os_name", "os_version"),
        "date": ("date", "last_seen", "first_seen", "seen", "timestamp", "scan_date", "scanned_at"),
    },
    "vendors": {
        "id": (
            "id", "vendor_id", "supplier_id", "vendor_number", "supplier_number", "vendor_code",
            "supplier_code", "record_id",
        ),
        "name": (
            "name", "supplier", "supplier_name", "vendor_name", "vendor", "company", "company_name",
            "legal_name", "organisation", "organization", "entity_name", "供应商", "公司名称",
        ),
        "address": ("address", "street", "street_address", "address1", "address_line_1"),
        "city": ("city", "town"),
        "country": ("country", "country_code", "country_name", "nation"),
        "website": ("website", "url", "web", "homepage", "web_site", "domain"),
        "parent": ("parent", "parent_company", "parent_name", "ultimate_parent", "owner"),
        "identifiers": (
            "identifiers", "identifier", "registration_number", "duns", "lei", "tax_id", "vat",
            "vat_number", "uscc", "cage", "uei",
        ),
        "date": ("date", "as_of", "updated", "last_updated", "created"),
    },
}  # fmt: skip

# Fields that must be reduced from HTML to text when they carry markup. Banners and raw protocol
# fields are kept verbatim: their angle brackets are data, not markup.
HTML_FIELDS: dict[str, frozenset[str]] = {
    "catalog": frozenset(
        {"title", "brand", "manufacturer", "seller", "model", "description", "category"}
    ),
    "devices": frozenset({"html_title", "device_title"}),
    "vendors": frozenset({"name", "address", "city", "country", "parent"}),
}

# A file needs one of these (canonical) columns to be screened at all.
REQUIRED_ANY: dict[str, tuple[str, ...]] = {
    "catalog": ("title", "description"),
    "vendors": ("name",),
    "devices": (
        "mac", "ip", "hostname", "model", "vendor", "manufacturer", "http_server",
        "http_www_authenticate", "html_title", "rtsp_server", "telnet_banner", "ssh_banner",
        "ftp_banner", "snmp_sysdescr", "sip_user_agent", "tls_cert_subject", "dhcp_vendor_class",
        "device_title", "stream_path", "banner",
    ),
}  # fmt: skip

# Evaluation labels and provenance: a screener must never read them, so they are never recognised.
_NEVER_RECOGNISED_PREFIXES = ("label", "truth", "groundtruth", "expected")
_NEVER_RECOGNISED = frozenset({"source", "provenance"})

_NON_ALNUM = re.compile(r"[\W_]+", re.UNICODE)


def normalize_name(name: str) -> str:
    """A column name folded for comparison: case, spaces, underscores, hyphens and dots ignored."""
    return _NON_ALNUM.sub("", name.casefold())


def _synonym_index(kind: str) -> dict[str, tuple[str, int]]:
    """normalized source name -> (canonical field, rank of that synonym)."""
    index: dict[str, tuple[str, int]] = {}
    for canonical, names in SYNONYMS[kind].items():
        for rank, name in enumerate(names):
            index.setdefault(normalize_name(name), (canonical, rank))
    return index


_INDEX = {kind: _synonym_index(kind) for kind in KINDS}


def is_recognisable(column: str) -> bool:
    """False for label/provenance columns that recognition must never map."""
    norm = normalize_name(column)
    return (
        bool(norm)
        and norm not in _NEVER_RECOGNISED
        and not norm.startswith(_NEVER_RECOGNISED_PREFIXES)
    )


def recognise(kind: str, column: str) -> tuple[str, int] | None:
    """The canonical field a column name stands for, with the synonym's rank (0 = best)."""
    if not is_recognisable(column):
        return None
    return _INDEX[kind].get(normalize_name(column))


def check_kind(kind: str) -> None:
    """Raise ValueError for an unknown record kind."""
    if kind not in KINDS:
        raise ValueError(f"unknown record kind {kind!r}; expected one of {', '.join(KINDS)}")


def _listing(columns: Sequence[str]) -> str:
    shown = [repr(c) for c in columns[:60]]
    more = f" … and {len(columns) - 60} more" if len(columns) > 60 else ""
    return ", ".join(shown) + more if shown else "(none)"


def _find_column(wanted: str, columns: Sequence[str]) -> str | None:
    if wanted in columns:
        return wanted
    folded = [c for c in columns if normalize_name(c) == normalize_name(wanted)]
    return folded[0] if len(folded) == 1 else None


def resolve_mapping(
    kind: str,
    columns: Sequence[str],
    overrides: Mapping[str, str] | None,
    *,
    file: str,
    excluded: Iterable[str] = (),
) -> dict[str, str]:
    """Map canonical fields to the file's columns: ``overrides`` first, then recognition by name.

    ``excluded`` columns (nested JSON values) are never recognised. Raises ColumnError for an
    override naming an unknown field or a column not in the file.
    """
    check_kind(kind)
    fields = CANONICAL_FIELDS[kind]
    mapping: dict[str, str] = {}
    for canonical, source in (overrides or {}).items():
        if canonical not in fields:
            raise ColumnError(
                f"{file}: --map names unknown field {canonical!r} for {kind} records; "
                f"fields are: {', '.join(fields)}"
            )
        found = _find_column(source, columns)
        if found is None:
            raise ColumnError(
                f"{file}: --map {canonical}={source!r}: no column {source!r} in the file; "
                f"columns found: {_listing(columns)}"
            )
        mapping[canonical] = found
    extend_mapping(kind, mapping, columns, excluded=excluded)
    return mapping


def extend_mapping(
    kind: str,
    mapping: dict[str, str],
    columns: Iterable[str],
    *,
    excluded: Iterable[str] = (),
) -> list[str]:
    """Add recognised columns for canonical fields not mapped yet; return the fields added.

    Among several columns for one field the best-ranked synonym wins, then the first column.
    A column already used (by an override) is not used again.
    """
    skip = set(excluded) | set(mapping.values())
    best: dict[str, tuple[int, int, str]] = {}
    for position, column in enumerate(columns):
        if column in skip:
            continue
        hit = recognise(kind, column)
        if hit is None:
            continue
        canonical, rank = hit
        if canonical in mapping:
            continue
        candidate = (rank, position, column)
        if canonical not in best or candidate < best[canonical]:
            best[canonical] = candidate
    added = []
    for canonical in CANONICAL_FIELDS[kind]:
        if canonical in best:
            mapping[canonical] = best[canonical][2]
            added.append(canonical)
    return added


def check_required(
    kind: str, mapping: Mapping[str, str], columns: Sequence[str], *, file: str
) -> None:
    """Raise ColumnError when no column a record kind needs was found."""
    needed = REQUIRED_ANY[kind]
    if any(field in mapping for field in needed):
        return
    if len(needed) == 1:
        what = f"a {needed[0]!r} column"
    elif kind == "catalog":
        what = "a 'title' (or 'description') column"
    else:
        what = "at least one of the columns " + ", ".join(repr(n) for n in needed)
    hints = ", ".join(SYNONYMS[kind][needed[0]][:6])
    raise ColumnError(
        f"{file}: {kind} records need {what}; none was recognised. "
        f"Columns found: {_listing(columns)}. "
        f"Name a column with --map {needed[0]}=COLUMN (recognised names include: {hints})."
    )
