"""Read nmap's XML output (``nmap -oX``) as device records.

Each ``<host>`` that is up becomes one record with the canonical device fields (all strings,
``""`` when nmap did not observe it) plus ``_line``, the line of the ``<host>`` start tag.

Raw observations are preferred over nmap's interpretation of them: the ``Server:`` header a
device sent (``http-server-header`` script, or the probe replies kept in an unrecognised
service's fingerprint) rather than the product name nmap matched to it ("Hikvision IP camera
httpd"), which is used only when nothing raw was kept.

Parsing streams: only one host's subtree is held at a time, so memory stays flat however large
the scan. XML entity declarations are refused (defusedxml), so an entity-expansion bomb cannot
blow up memory. A file cut off mid-scan yields every complete host and reports one error.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.parsers import expat

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from whomade.inputs.errors import ErrorSink, InputError, RowError

__all__ = [
    "DEVICE_FIELDS",
    "MAX_FIELD_CHARS",
    "MULTI_VALUE_SEPARATOR",
    "ErrorSinkLike",
    "NmapXmlError",
    "host_record",
    "read_nmap_xml",
]

log = logging.getLogger(__name__)

DEVICE_FIELDS: tuple[str, ...] = (
    "id",
    "hostname",
    "ip",
    "mac",
    "vendor",
    "manufacturer",
    "model",
    "serial",
    "firmware",
    "http_server",
    "http_www_authenticate",
    "html_title",
    "rtsp_server",
    "telnet_banner",
    "ssh_banner",
    "ftp_banner",
    "snmp_sysdescr",
    "sip_user_agent",
    "tls_cert_subject",
    "dhcp_vendor_class",
    "device_title",
    "stream_path",
    "banner",
    "os",
    "date",
)

# Several distinct observations of one field (two web servers on one host) are kept, joined
# by this separator; a matcher anchored on a whole header value should split on it.
MULTI_VALUE_SEPARATOR = " | "

# A banner longer than this is cut (and reported): nothing downstream needs more, and one
# hostile attribute must not be copied into every output.
MAX_FIELD_CHARS = 16_384

_READ_CHUNK = 64 * 1024

# expat errors that mean "the input stopped", as opposed to "the input is wrong".
_TRUNCATION_CODES = frozenset(
    expat.errors.codes[message]
    for message in (
        expat.errors.XML_ERROR_NO_ELEMENTS,
        expat.errors.XML_ERROR_UNCLOSED_TOKEN,
        expat.errors.XML_ERROR_PARTIAL_CHAR,
        expat.errors.XML_ERROR_UNCLOSED_CDATA_SECTION,
    )
)


class NmapXmlError(InputError, ValueError):
    """The file cannot be read as nmap XML at all (not XML, another XML format, hostile DTD)."""


# Any object with ``.add(error)`` collects the per-host problems.
ErrorSinkLike = ErrorSink


def read_nmap_xml(
    path: str | Path,
    *,
    errors: ErrorSinkLike | None = None,
    batch_size: int = 10_000,
) -> Iterator[list[dict[str, Any]]]:
    """Stream the hosts of an nmap XML file as batches of device records.

    Each record has every field of :data:`DEVICE_FIELDS` (strings) and ``_line`` (int). Hosts
    that are not up are skipped. Problems inside the file (truncation, malformed XML after the
    start, over-long fields) go to ``errors`` (logged as warnings when no sink is given); every
    host completed before such a problem is still yielded. A file that is not nmap XML, or that
    declares XML entities, raises :class:`NmapXmlError` naming the file.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    file_name = str(path)
    report = _error_reporter(errors)
    collector = _HostCollector()
    parser = DefusedXMLParser(target=collector, forbid_dtd=False, forbid_entities=True)
    collector.expat_parser = parser.parser
    batch: list[dict[str, Any]] = []

    def drain() -> Iterator[list[dict[str, Any]]]:
        nonlocal batch
        for host, line in collector.take_completed():
            record = _record_or_none(host, line, collector.run_date, file_name, report)
            if record is None:
                continue
            batch.append(record)
            if len(batch) >= batch_size:
                yield batch
                batch = []

    with open(path, "rb") as handle:
        try:
            while chunk := handle.read(_READ_CHUNK):
                parser.feed(chunk)
                _check_root(collector, file_name)
                yield from drain()
            parser.close()
        except ET.ParseError as error:
            yield from drain()
            _handle_parse_error(error, collector, file_name, report)
        except DefusedXmlException as error:
            raise NmapXmlError(
                f"{file_name}: refusing XML that declares entities or external references "
                f"({type(error).__name__}); nmap never writes them"
            ) from error
    _check_root(collector, file_name)
    yield from drain()
    if batch:
        yield batch


def _error_reporter(errors: ErrorSinkLike | None) -> Callable[[RowError], None]:
    if errors is not None:
        return errors.add

    def log_error(error: RowError) -> None:
        log.warning("%s", error)

    return log_error


def _check_root(collector: _HostCollector, file_name: str) -> None:
    if collector.root_tag is not None and collector.root_tag != "nmaprun":
        raise NmapXmlError(
            f"{file_name}: not nmap XML output: the root element is <{collector.root_tag}>, "
            "expected <nmaprun>"
        )


def _handle_parse_error(
    error: ET.ParseError,
    collector: _HostCollector,
    file_name: str,
    report: Callable[[RowError], None],
) -> None:
    line, column = getattr(error, "position", (0, 0))
    if collector.root_tag is None:
        raise NmapXmlError(f"{file_name}: not an XML file ({error})") from error
    _check_root(collector, file_name)
    open_host = collector.open_host_line
    record_id = collector.open_host_id()
    if getattr(error, "code", None) in _TRUNCATION_CODES:
        if open_host is not None:
            reason = (
                f"truncated XML at line {line}: last host incomplete "
                f"(started at line {open_host}), it was skipped"
            )
        else:
            reason = f"truncated XML at line {line}: the scan output ends before </nmaprun>"
    else:
        where = f"host starting at line {open_host}" if open_host else f"line {line}"
        reason = (
            f"malformed XML at line {line}, column {column} ({error}); "
            f"stopped reading, the {where} and everything after it were skipped"
        )
    report(RowError(file=file_name, line=line, reason=reason, record_id=record_id or None))


def _record_or_none(
    host: ET.Element,
    line: int,
    run_date: str,
    file_name: str,
    report: Callable[[RowError], None],
) -> dict[str, Any] | None:
    status = host.find("status")
    if status is not None and status.get("state", "up") != "up":
        return None
    record = host_record(host, run_date=run_date, line=line)
    for name in DEVICE_FIELDS:
        value = record[name]
        if len(value) > MAX_FIELD_CHARS:
            record[name] = value[:MAX_FIELD_CHARS]
            report(
                RowError(
                    file=file_name,
                    line=line,
                    reason=f"field {name} is {len(value)} characters long; "
                    f"kept the first {MAX_FIELD_CHARS}",
                    record_id=record["id"],
                    field=name,
                )
            )
    return record


class _HostCollector:
    """XMLParser target that builds one ``<host>`` subtree at a time and ignores the rest.

    It runs inside expat's callbacks, so ``expat_parser.CurrentLineNumber`` is exactly the line
    of the tag being started.
    """

    def __init__(self) -> None:
        self.expat_parser: Any = None
        self.root_tag: str | None = None
        self.run_date = ""
        self.open_host_line: int | None = None
        self._depth = 0
        self._builder: ET.TreeBuilder | None = None
        self._open_host: ET.Element | None = None
        self._completed: list[tuple[ET.Element, int]] = []

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self._depth += 1
        if self._depth == 1:
            self.root_tag = tag
            self.run_date = _iso_date(attrib.get("start", ""))
        elif self._depth == 2 and tag == "host":
            self._builder = ET.TreeBuilder()
            self.open_host_line = self.expat_parser.CurrentLineNumber
            self._open_host = self._builder.start(tag, attrib)
            return
        if self._builder is not None:
            self._builder.start(tag, attrib)

    def end(self, tag: str) -> None:
        if self._builder is not None:
            self._builder.end(tag)
            if self._depth == 2:
                host = self._builder.close()
                self._completed.append((host, self.open_host_line or 0))
                self._builder = None
                self._open_host = None
                self.open_host_line = None
        self._depth -= 1

    def data(self, text: str) -> None:
        if self._builder is not None:
            self._builder.data(text)

    def close(self) -> None:
        return None

    def take_completed(self) -> list[tuple[ET.Element, int]]:
        completed, self._completed = self._completed, []
        return completed

    def open_host_id(self) -> str:
        """The address of the host cut off by an error, if its addresses were read."""
        if self._open_host is None:
            return ""
        return _host_id(self._open_host)


def _iso_date(epoch: str) -> str:
    try:
        return datetime.fromtimestamp(int(epoch), tz=UTC).date().isoformat()
    except (ValueError, OverflowError, OSError):
        return ""


# ---- one host -------------------------------------------------------------------------------


class _Fields:
    """Distinct observations per field, in the order they were seen."""

    def __init__(self) -> None:
        self._values: dict[str, list[str]] = {name: [] for name in DEVICE_FIELDS}

    def add(self, name: str, value: str | None) -> None:
        text = (value or "").strip()
        if text and text not in self._values[name]:
            self._values[name].append(text)

    def has(self, name: str) -> bool:
        return bool(self._values[name])

    def merge(self, other: _Fields) -> None:
        for name, found in other._values.items():
            for value in found:
                self.add(name, value)

    def joined(self) -> dict[str, str]:
        return {name: MULTI_VALUE_SEPARATOR.join(found) for name, found in self._values.items()}


def host_record(host: ET.Element, *, run_date: str = "", line: int = 0) -> dict[str, Any]:
    """Turn one parsed ``<host>`` element into a device record (pure; no I/O)."""
    fields = _Fields()
    ip_v4 = ip_v6 = ""
    for address in host.iterfind("address"):
        kind = address.get("addrtype", "ipv4")
        value = address.get("addr", "")
        if kind == "mac":
            fields.add("mac", value)
            fields.add("vendor", address.get("vendor"))
        elif kind == "ipv6":
            ip_v6 = ip_v6 or value
        else:
            ip_v4 = ip_v4 or value
    fields.add("ip", ip_v4 or ip_v6)
    hostname = host.find("hostnames/hostname")
    if hostname is not None:
        fields.add("hostname", hostname.get("name"))

    for port in host.iterfind("ports/port"):
        if _port_is_open(port):
            _read_port(port, fields)
    for script in host.iterfind("hostscript/script"):
        _read_script(script, "", fields)
    _read_os(host, fields)

    record: dict[str, Any] = fields.joined()
    record["date"] = run_date or _iso_date(host.get("starttime", ""))
    record["id"] = _host_id(host)
    record["_line"] = line
    return record


def _host_id(host: ET.Element) -> str:
    addresses = {a.get("addrtype", "ipv4"): a.get("addr", "") for a in host.iterfind("address")}
    return addresses.get("ipv4") or addresses.get("ipv6") or addresses.get("mac") or ""


def _port_is_open(port: ET.Element) -> bool:
    state = port.find("state")
    return state is not None and state.get("state", "").startswith("open")


_HTTP, _RTSP, _TELNET, _SSH, _FTP, _SNMP, _SIP = (
    "http",
    "rtsp",
    "telnet",
    "ssh",
    "ftp",
    "snmp",
    "sip",
)
_BANNER_FIELD = {_TELNET: "telnet_banner", _SSH: "ssh_banner", _FTP: "ftp_banner"}


def _service_kind(name: str) -> str:
    name = name.lower()
    for kind in (_HTTP, _RTSP, _TELNET, _SSH, _FTP, _SNMP, _SIP):
        if name.startswith(kind):
            return kind
    return ""


def _describe_service(service: ET.Element) -> str:
    text = " ".join(v for v in (service.get("product"), service.get("version")) if v)
    extra = service.get("extrainfo")
    if extra:
        text = f"{text} ({extra})" if text else extra
    return text


_TYPED_FIELD = {
    _HTTP: "http_server",
    _RTSP: "rtsp_server",
    _TELNET: "telnet_banner",
    _SSH: "ssh_banner",
    _FTP: "ftp_banner",
    _SIP: "sip_user_agent",
}


def _read_port(port: ET.Element, fields: _Fields) -> None:
    service = port.find("service")
    kind = _service_kind(service.get("name", "")) if service is not None else ""
    seen = _Fields()
    for script in port.iterfind("script"):
        _read_script(script, kind, seen)
    if service is not None:
        _read_replies(_fingerprint_replies(service.get("servicefp", "")), kind, seen)
        # A port-table guess (method="table") is not an observation of the service.
        if service.get("method") != "table":
            description = _describe_service(service)
            typed = _TYPED_FIELD.get(kind)
            if typed is None:
                seen.add("banner", description)
            elif not seen.has(typed):
                # nmap's product match stands in only where the port kept no raw value.
                seen.add(typed, description)
    fields.merge(seen)


def _read_script(script: ET.Element, kind: str, fields: _Fields) -> None:
    script_id = script.get("id", "")
    output = script.get("output", "")
    if script_id == "http-server-header":
        servers = [e.text or "" for e in script.iter("elem")]
        for server in servers or [output]:
            fields.add("http_server", server)
    elif script_id == "http-title":
        fields.add("html_title", _html_title(script))
    elif script_id == "http-auth":
        for challenge in _auth_challenges(script):
            fields.add("http_www_authenticate", challenge)
    elif script_id == "http-headers":
        _read_header_lines(output.splitlines(), _HTTP, fields)
    elif script_id == "ssl-cert":
        fields.add("tls_cert_subject", _cert_subject(script))
    elif script_id == "snmp-sysdescr":
        fields.add("snmp_sysdescr", _strip_uptime(output))
    elif script_id == "banner":
        fields.add(_BANNER_FIELD.get(kind, "banner"), _decode_banner_script(output))
    elif script_id == "upnp-info":
        _read_upnp(script, fields)
    elif script_id == "rtsp-url-brute":
        for url in _discovered_urls(script):
            fields.add("stream_path", _url_path(url))


def _html_title(script: ET.Element) -> str:
    for elem in script.iter("elem"):
        if elem.get("key") == "title":
            return elem.text or ""
    if any(elem.get("key") == "redirect_url" for elem in script.iter("elem")):
        return ""
    output = script.get("output", "")
    if output.startswith(("Site doesn't have a title", "Did not follow redirect")):
        return ""
    return output


def _auth_challenges(script: ET.Element) -> list[str]:
    challenges = []
    for table in script.findall("table"):
        scheme = next((e.text or "" for e in table.findall("elem") if e.get("key") == "scheme"), "")
        params = table.find("table[@key='params']")
        pairs = [
            f'{e.get("key")}="{e.text or ""}"'
            for e in (params.findall("elem") if params is not None else [])
        ]
        if scheme:
            challenges.append(f"{scheme} {', '.join(pairs)}".strip())
    if challenges:
        return challenges
    # Older nmap: only the text output, one challenge per indented line after the status line.
    lines = script.get("output", "").splitlines()
    return [line.strip() for line in lines if line.startswith("  ") and line.strip()]


_SUBJECT_ORDER = (
    ("commonName", "CN"),
    ("organizationalUnitName", "OU"),
    ("organizationName", "O"),
    ("localityName", "L"),
    ("stateOrProvinceName", "ST"),
    ("countryName", "C"),
)
_SUBJECT_EXTRA = {
    "serialNumber": "SERIALNUMBER",
    "streetAddress": "STREET",
    "domainComponent": "DC",
    "userId": "UID",
}
# RFC 4514 section 2.4: characters escaped inside an attribute value.
_RFC4514_SPECIAL = re.compile(r'([,+"\\<>;])')


def _cert_subject(script: ET.Element) -> str:
    """The certificate subject as an RFC 4514 string (``CN=…,OU=…,O=…,L=…,ST=…,C=…``)."""
    subject = script.find("table[@key='subject']")
    values: dict[str, str] = {}
    if subject is not None:
        values = {e.get("key", ""): e.text or "" for e in subject.findall("elem")}
    else:
        first = script.get("output", "").splitlines()[:1]
        if first and first[0].startswith("Subject: "):
            for pair in first[0][len("Subject: ") :].split("/"):
                key, _, value = pair.partition("=")
                values[key] = value
    known = {long for long, _ in _SUBJECT_ORDER}
    parts = [
        f"{_SUBJECT_EXTRA.get(key, key)}={_rfc4514_escape(value)}"
        for key, value in values.items()
        if key and key not in known
    ]
    parts += [
        f"{short}={_rfc4514_escape(values[long])}"
        for long, short in _SUBJECT_ORDER
        if long in values
    ]
    return ",".join(parts)


def _rfc4514_escape(value: str) -> str:
    return _RFC4514_SPECIAL.sub(r"\\\1", value)


def _strip_uptime(output: str) -> str:
    lines = output.splitlines()
    while lines and lines[-1].strip().startswith("System uptime:"):
        lines.pop()
    return "\n".join(lines).strip()


_HEX_ESCAPE = re.compile(r"\\x([0-9A-Fa-f]{2})")


def _decode_banner_script(output: str) -> str:
    """Undo the ``banner`` script's formatting: line wrapping and ``\\xHH`` escapes."""
    # Real newlines in the banner arrive escaped (\x0A); literal ones are the script's wrapping.
    joined = "".join(output.split("\n")).strip()
    return _HEX_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), joined)


_UPNP_KEYS = {
    "friendlyName": "device_title",
    "manufacturer": "manufacturer",
    "modelName": "model",
    "modelNumber": "model",
    "serialNumber": "serial",
}
_UPNP_TEXT_KEYS = {
    "Name": "device_title",
    "Manufacturer": "manufacturer",
    "Model Name": "model",
    "Model Number": "model",
}


def _read_upnp(script: ET.Element, fields: _Fields) -> None:
    found = False
    for elem in script.iter("elem"):
        field = _UPNP_KEYS.get(elem.get("key", ""))
        if field:
            fields.add(field, elem.text)
            found = True
        elif elem.get("key") in ("server", "webserver"):
            fields.add("banner", elem.text)
    if found:
        return
    for line in script.get("output", "").splitlines():
        key, sep, value = line.strip().partition(": ")
        if sep and key in _UPNP_TEXT_KEYS:
            fields.add(_UPNP_TEXT_KEYS[key], value)
        elif sep and key in ("Server", "Webserver"):
            fields.add("banner", value)


def _discovered_urls(script: ET.Element) -> list[str]:
    table = script.find("table[@key='discovered']")
    if table is not None:
        return [e.text or "" for e in table.iter("elem")]
    return []


def _url_path(url: str) -> str:
    match = re.match(r"^[a-z]+://[^/]*(/.*)?$", url.strip(), re.IGNORECASE)
    if match:
        return match.group(1) or "/"
    return url.strip()


def _read_os(host: ET.Element, fields: _Fields) -> None:
    best: ET.Element | None = None
    for match in host.iterfind("os/osmatch"):
        if best is None or _accuracy(match) > _accuracy(best):
            best = match
    if best is None:
        for service in host.iterfind("ports/port/service"):
            fields.add("os", service.get("ostype"))
        return
    name = best.get("name", "")
    osclass = best.find("osclass")
    vendor = osclass.get("vendor", "") if osclass is not None else ""
    if vendor and vendor.casefold() not in name.casefold():
        name = f"{name} ({vendor})"
    fields.add("os", name)


def _accuracy(element: ET.Element) -> int:
    try:
        return int(element.get("accuracy", "0"))
    except ValueError:
        return 0


# ---- probe replies kept in an unrecognised service's fingerprint ------------------------------

# %r(GetRequest,1F3,"HTTP/1\.0\x20200\x20OK\r\n...") — nmap escapes the reply C-style.
_FP_REPLY = re.compile(r'%r\(([A-Za-z0-9_-]+),[0-9A-Fa-f]+,"((?:[^"\\]|\\.)*)"\)')
_FP_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{2}|.)", re.DOTALL)
_FP_SIMPLE = {"r": "\r", "n": "\n", "t": "\t", "0": "\0"}


def _fingerprint_replies(servicefp: str) -> dict[str, str]:
    """Decoded reply per probe name from nmap's ``servicefp`` attribute."""
    if not servicefp:
        return {}
    text = servicefp.replace("\nSF:", "").replace("\r", "")
    replies: dict[str, str] = {}
    for probe, body in _FP_REPLY.findall(text):
        replies.setdefault(probe, _FP_ESCAPE.sub(_unescape_fp, body))
    return replies


def _unescape_fp(match: re.Match[str]) -> str:
    code = match.group(1)
    if code.startswith("x") and len(code) == 3:
        return chr(int(code[1:], 16))
    return _FP_SIMPLE.get(code, code)


def _read_replies(replies: dict[str, str], kind: str, fields: _Fields) -> None:
    if "NULL" in replies:
        # What the service says before being asked anything is its banner.
        fields.add(_BANNER_FIELD.get(kind, "banner"), replies["NULL"].strip())
    for probe, reply in replies.items():
        head = reply.split("\r\n\r\n", 1)[0]
        lines = head.split("\r\n")
        status = lines[0] if lines else ""
        if status.startswith("HTTP/"):
            _read_header_lines(lines[1:], _HTTP, fields)
        elif status.startswith("RTSP/"):
            _read_header_lines(lines[1:], _RTSP, fields)
            if not any(line.lower().startswith("server:") for line in lines):
                fields.add("rtsp_server", head)
        elif status.startswith("SIP/") or probe == "SIPOptions":
            _read_header_lines(lines[1:], _SIP, fields)


_HEADER_FIELD = {
    (_HTTP, "server"): "http_server",
    (_HTTP, "www-authenticate"): "http_www_authenticate",
    (_RTSP, "server"): "rtsp_server",
    # The RTSP challenge carries the same realms (realm="Hikvision") as the HTTP one.
    (_RTSP, "www-authenticate"): "http_www_authenticate",
    (_SIP, "server"): "sip_user_agent",
    (_SIP, "user-agent"): "sip_user_agent",
}


def _read_header_lines(lines: Iterable[str], kind: str, fields: _Fields) -> None:
    for line in lines:
        name, sep, value = line.strip().partition(":")
        if sep:
            field = _HEADER_FIELD.get((kind, name.strip().lower()))
            if field:
                fields.add(field, value.strip())
