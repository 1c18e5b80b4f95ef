"""The nmap XML reader: real nmap -oX structure, streaming, hostile and broken files."""

# The fixtures keep nmap's own layout: one long line per <port>, as nmap -oX writes it.

from __future__ import annotations

import json
import textwrap
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from whomade.inputs.errors import InputError, ListErrorSink
from whomade.inputs.nmap import (
    DEVICE_FIELDS,
    MAX_FIELD_CHARS,
    NmapXmlError,
    read_nmap_xml,
)

PROLOGUE = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE nmaprun>
<?xml-stylesheet href="file:///usr/bin/../share/nmap/nmap.xsl" type="text/xsl"?>
<!-- Nmap 7.94SVN scan initiated Tue Mar 12 10:15:02 2024 as: nmap -sV -O -&#45;script=default,banner,http-server-header -oX scan.xml 192.168.1.0/24 -->
<nmaprun scanner="nmap" args="nmap -sV -O -&#45;script=default,banner,http-server-header -oX scan.xml 192.168.1.0/24" start="1710238502" startstr="Tue Mar 12 10:15:02 2024" version="7.94SVN" xmloutputversion="1.05">
<scaninfo type="syn" protocol="tcp" numservices="1000" services="1,3-4,6-7,9,13"/>
<verbose level="0"/>
<debugging level="0"/>
<hosthint><status state="up" reason="arp-response" reason_ttl="0"/>
<address addr="192.168.1.64" addrtype="ipv4"/>
<address addr="44:19:B6:3A:10:0C" addrtype="mac" vendor="Hangzhou Hikvision Digital Technology"/>
<hostnames>
</hostnames>
</hosthint>
"""

# A Hikvision camera: App-webs/ server header, the SDK control port, an RTSP reply that nmap did
# not match (so only the fingerprint keeps it) with the realm "Hikvision".
HIKVISION_CAMERA = r"""<host starttime="1710238510" endtime="1710238590"><status state="up" reason="arp-response" reason_ttl="0"/>
<address addr="192.168.1.64" addrtype="ipv4"/>
<address addr="44:19:B6:3A:10:0C" addrtype="mac" vendor="Hangzhou Hikvision Digital Technology"/>
<hostnames>
<hostname name="cam-lobby.lan" type="PTR"/>
</hostnames>
<ports><extraports state="closed" count="996">
<extrareasons reason="reset" count="996" proto="tcp" ports="1,3-4,6-7,9"/>
</extraports>
<port protocol="tcp" portid="80"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="http" product="Hikvision IP camera httpd" devicetype="webcam" method="probed" conf="10"/><script id="http-server-header" output="App-webs/"><elem>App-webs/</elem></script><script id="http-title" output="Site doesn&apos;t have a title (text/html)."></script></port>
<port protocol="tcp" portid="554"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="rtsp" servicefp="SF-Port554-TCP:V=7.94SVN%I=7%D=3/12%Time=65F02B4A%P=x86_64-pc-linux-gnu%r(RTSPReque&#xa;SF:st,8A,&quot;RTSP/1\.0\x20401\x20Unauthorized\r\nCSeq:\x200\r\nWWW-Authenticate:\x20Digest\x20realm=\&quot;Hikvision\&quot;,\x20nonce=\&quot;a9d3c1f0e2b84a7c\&quot;,\x20stale=\&quot;FALSE\&quot;\r\n\r\n&quot;);" method="table" conf="3"/></port>
<port protocol="tcp" portid="8000"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="ipcam" product="Hikvision IPCam control port" devicetype="webcam" method="probed" conf="10"/></port>
<port protocol="tcp" portid="8443"><state state="closed" reason="reset" reason_ttl="64"/><service name="https-alt" method="table" conf="3"/></port>
</ports>
<os><portused state="open" proto="tcp" portid="80"/>
<portused state="closed" proto="tcp" portid="1"/>
<osmatch name="Linux 2.6.32 - 3.10" accuracy="95" line="58600">
<osclass type="general purpose" vendor="Linux" osfamily="Linux" osgen="2.6.X" accuracy="95"><cpe>cpe:/o:linux:linux_kernel:2.6</cpe></osclass>
</osmatch>
<osmatch name="Hikvision DS-7600 NVR" accuracy="90" line="33550">
<osclass type="specialized" vendor="Hikvision" osfamily="embedded" accuracy="90"></osclass>
</osmatch>
</os>
<uptime seconds="1987345" lastboot="Sun Feb 18 10:13:25 2024"/>
<distance value="1"/>
<times srtt="1620" rttvar="322" to="100000"/>
</host>
"""

# A Hikvision NVR whose web server nmap did not match: only the fingerprint keeps "DNVRS-Webs".
HIKVISION_NVR = r"""<host starttime="1710238511" endtime="1710238600"><status state="up" reason="arp-response" reason_ttl="0"/>
<address addr="192.168.1.70" addrtype="ipv4"/>
<address addr="C0:56:E3:00:21:7B" addrtype="mac" vendor="Hangzhou Hikvision Digital Technology"/>
<hostnames>
</hostnames>
<ports><port protocol="tcp" portid="80"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="http" servicefp="SF-Port80-TCP:V=7.94SVN%I=7%D=3/12%Time=65F02B4C%P=x86_64-pc-linux-gnu%r(GetRequest,&#xa;SF:C2,&quot;HTTP/1\.1\x20200\x20OK\r\nDate:\x20Tue,\x2012\x20Mar\x202024\x2010:16:12\x20GMT\r\nServer:\x20DNVRS-Webs\r\nETag:\x20&quot;&#xa;SF:0-1b2-5e1\&quot;\r\nContent-Length:\x20434\r\nContent-Type:\x20text/html\r\nConnection:\x20close\r\n\r\n&lt;html&gt;&quot;)%r(HTTPOptions,3F,&quot;HTTP/1\.1\x20501\x20Not\x20Implemented\r\nServer:\x20DNVRS-Webs\r\n\r\n&quot;);" method="table" conf="3"/><script id="http-title" output="index"><elem key="title">index</elem></script></port>
</ports>
<times srtt="900" rttvar="200" to="100000"/>
</host>
"""

# A Dahua camera: nmap matched the RTSP server; the http-auth script saw a Digest challenge.
DAHUA_CAMERA = r"""<host starttime="1710238512" endtime="1710238620"><status state="up" reason="arp-response" reason_ttl="0"/>
<address addr="192.168.1.108" addrtype="ipv4"/>
<address addr="08:ED:ED:5C:11:A2" addrtype="mac" vendor="Zhejiang Dahua Technology"/>
<hostnames>
</hostnames>
<ports><port protocol="tcp" portid="80"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="http" product="Dahua webcam httpd" devicetype="webcam" method="probed" conf="10"/><script id="http-title" output="WEB SERVICE"><elem key="title">WEB SERVICE</elem></script></port>
<port protocol="tcp" portid="554"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="rtsp" servicefp="SF-Port554-TCP:V=7.94SVN%I=7%D=3/12%Time=65F02B50%P=x86_64-pc-linux-gnu%r(RTSPRequest,4F,&quot;RTSP/1\.0\x20401\x20Unauthorized\r\nWWW-Authenticate:\x20Basic\x20realm=\&quot;device\&quot;\r\nServer:\x20Dahua\x20Rtsp\x20Server\r\nContent-Length:\x200\r\n\r\n&quot;);" method="table" conf="3"/><script id="rtsp-methods" output="OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, PAUSE, TEARDOWN, SET_PARAMETER, GET_PARAMETER"/><script id="rtsp-url-brute" output="&#xa;  discovered: &#xa;    rtsp://192.168.1.108/cam/realmonitor?channel=1&amp;subtype=0"><table key="discovered">
<elem>rtsp://192.168.1.108/cam/realmonitor?channel=1&amp;subtype=0</elem>
</table>
</script></port>
<port protocol="tcp" portid="37777"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="unknown" method="table" conf="3"/></port>
<port protocol="tcp" portid="8080"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="http-proxy" method="probed" conf="10"/><script id="http-auth" output="&#xa;HTTP/1.1 401 Unauthorized&#xd;&#xa;  Digest realm=Login to 4M0A8C4PAZ1F2B3 nonce=1234567890 qop=auth opaque=3b5f9a&#xa;"><table>
<elem key="scheme">Digest</elem>
<table key="params">
<elem key="realm">Login to 4M0A8C4PAZ1F2B3</elem>
<elem key="nonce">1234567890</elem>
<elem key="qop">auth</elem>
</table>
</table>
</script></port>
</ports>
<os><osmatch name="Linux 3.2 - 4.9" accuracy="96" line="65430"><osclass type="general purpose" vendor="Linux" osfamily="Linux" osgen="3.X" accuracy="96"><cpe>cpe:/o:linux:linux_kernel:3</cpe></osclass></osmatch></os>
<times srtt="1100" rttvar="250" to="100000"/>
</host>
"""

# A clear office printer: SNMP, TLS certificate, FTP and telnet banners, UPnP description.
HP_PRINTER = r"""<host starttime="1710238513" endtime="1710238650"><status state="up" reason="arp-response" reason_ttl="0"/>
<address addr="192.168.1.20" addrtype="ipv4"/>
<address addr="3C:D9:2B:4E:77:01" addrtype="mac" vendor="Hewlett Packard"/>
<hostnames>
<hostname name="printer-2f.lan" type="PTR"/>
</hostnames>
<ports><port protocol="tcp" portid="21"><state state="open" reason="syn-ack" reason_ttl="255"/><service name="ftp" product="HP JetDirect ftpd" ostype="Printer" method="probed" conf="10"/><script id="banner" output="220 JD FTP Server Ready"/></port>
<port protocol="tcp" portid="23"><state state="open" reason="syn-ack" reason_ttl="255"/><service name="telnet" product="HP JetDirect printer telnetd" method="probed" conf="10"/><script id="banner" output="\xFF\xFB\x01\x0D\x0AHP JetDirect\x0D\x0A\x0D\x0APassword is not set\x0D\x0A\x0D\x0APlease type &quot;menu&quot; for the MENU system, or &quot;?&quot; for he&#xa;lp, or &quot;/&quot; for current settings.\x0D\x0A&gt;"/></port>
<port protocol="tcp" portid="443"><state state="open" reason="syn-ack" reason_ttl="255"/><service name="http" product="HP Color LaserJet M452dn printer http config" version="2405129_000041" tunnel="ssl" devicetype="printer" method="probed" conf="10"><cpe>cpe:/h:hp:color_laserjet_m452dn</cpe></service><script id="ssl-cert" output="Subject: commonName=NPI4E7701/organizationName=HP/countryName=US&#xa;Issuer: commonName=NPI4E7701/organizationName=HP/countryName=US&#xa;Public Key type: rsa&#xa;Public Key bits: 2048"><table key="subject">
<elem key="commonName">NPI4E7701</elem>
<elem key="countryName">US</elem>
<elem key="organizationName">HP</elem>
<elem key="organizationalUnitName">HP Printing, Imaging</elem>
</table>
<table key="issuer">
<elem key="commonName">NPI4E7701</elem>
</table>
</script><script id="http-title" output="HP Color LaserJet M452dn"><elem key="title">HP Color LaserJet M452dn</elem></script></port>
<port protocol="udp" portid="161"><state state="open" reason="udp-response" reason_ttl="255"/><service name="snmp" product="SNMPv1 server" extrainfo="public" method="probed" conf="10"/><script id="snmp-sysdescr" output="HP ETHERNET MULTI-ENVIRONMENT,ROM none,JETDIRECT,JD153,EEPROM JSI23900010,CIDATE 06/17/2019&#xa;  System uptime: 28 days, 17:18:59 (248153900 timeticks)"/></port>
<port protocol="udp" portid="1900"><state state="open|filtered" reason="no-response" reason_ttl="0"/><service name="upnp" method="table" conf="3"/><script id="upnp-info" output="&#xa;192.168.1.20&#xa;    Server: HP HTTP Server; HP Color LaserJet M452dn"><table key="192.168.1.20">
<elem key="server">HP HTTP Server; HP Color LaserJet M452dn</elem>
<elem key="location">http://192.168.1.20:8080/DeviceDescription.xml</elem>
<table key="devices">
<table key="uuid:4e5a2a7c-0001-0001-0001-3cd92b4e7701">
<elem key="friendlyName">HP Color LaserJet M452dn [4E7701]</elem>
<elem key="manufacturer">HP</elem>
<elem key="modelName">HP Color LaserJet M452dn</elem>
<elem key="modelNumber">CF389A</elem>
</table>
</table>
</table>
</script></port>
</ports>
<times srtt="800" rttvar="120" to="100000"/>
</host>
"""

# A router seen only by IPv6 with an SSH banner from the version probe and a telnet banner that
# nmap kept in the fingerprint (Recog: NetDVRDVS is a UTT router, not Hikvision).
ROUTER_V6 = r"""<host starttime="1710238514" endtime="1710238660"><status state="up" reason="echo-reply" reason_ttl="64"/>
<address addr="fd00::1" addrtype="ipv6"/>
<hostnames>
</hostnames>
<ports><port protocol="tcp" portid="22"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="ssh" product="Dropbear sshd" version="2019.78" extrainfo="protocol 2.0" ostype="Linux" method="probed" conf="10"><cpe>cpe:/a:matt_johnston:dropbear_ssh_server:2019.78</cpe></service><script id="banner" output="SSH-2.0-dropbear_2019.78"/></port>
<port protocol="tcp" portid="23"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="telnet" servicefp="SF-Port23-TCP:V=7.94SVN%I=7%D=3/12%Time=65F02B60%P=x86_64-pc-linux-gnu%r(NULL,10,&quot;\xff\xfb\x01\r\nNetDVRDVS:\x20&quot;);" method="table" conf="3"/></port>
</ports>
<times srtt="500" rttvar="100" to="100000"/>
</host>
"""

DOWN_HOST = """<host><status state="down" reason="no-response" reason_ttl="0"/>
<address addr="192.168.1.99" addrtype="ipv4"/>
</host>
"""

EPILOGUE = """<runstats><finished time="1710238700" timestr="Tue Mar 12 10:18:20 2024" summary="Nmap done at Tue Mar 12 10:18:20 2024; 256 IP addresses (6 hosts up) scanned in 198.00 seconds" elapsed="198.00" exit="success"/><hosts up="5" down="251" total="256"/>
</runstats>
</nmaprun>
"""

HOSTS = [HIKVISION_CAMERA, HIKVISION_NVR, DAHUA_CAMERA, DOWN_HOST, HP_PRINTER, ROUTER_V6]


def scan(*hosts: str) -> str:
    return PROLOGUE + "".join(hosts) + EPILOGUE


def write(tmp_path: Path, text: str | bytes, name: str = "scan.xml") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def read_all(path: Path, **kwargs: Any) -> tuple[list[dict[str, Any]], ListErrorSink]:
    sink = ListErrorSink()
    records = [r for batch in read_nmap_xml(path, errors=sink, **kwargs) for r in batch]
    return records, sink


@pytest.fixture
def records(tmp_path: Path) -> dict[str, dict[str, Any]]:
    found, sink = read_all(write(tmp_path, scan(*HOSTS)))
    assert sink.errors == []
    return {str(r["id"]): r for r in found}


def test_every_record_has_every_field_as_text(records: dict[str, dict[str, Any]]) -> None:
    assert list(records) == [
        "192.168.1.64",
        "192.168.1.70",
        "192.168.1.108",
        "192.168.1.20",
        "fd00::1",
    ]
    for record in records.values():
        assert set(record) == {*DEVICE_FIELDS, "_line"}
        assert all(isinstance(record[name], str) for name in DEVICE_FIELDS)
        assert record["date"] == "2024-03-12"


def test_line_is_the_host_start_tag(tmp_path: Path) -> None:
    text = scan(*HOSTS)
    found, _ = read_all(write(tmp_path, text))
    lines = text.splitlines()
    for record in found:
        assert lines[int(record["_line"]) - 1].startswith("<host ")
        assert f'addr="{record["id"]}"' in lines[int(record["_line"])]


def test_hikvision_camera(records: dict[str, dict[str, Any]]) -> None:
    cam = records["192.168.1.64"]
    assert cam["mac"] == "44:19:B6:3A:10:0C"
    assert cam["vendor"] == "Hangzhou Hikvision Digital Technology"
    assert cam["hostname"] == "cam-lobby.lan"
    # The raw header, not nmap's "Hikvision IP camera httpd" reading of it.
    assert cam["http_server"] == "App-webs/"
    assert cam["html_title"] == ""
    assert cam["http_www_authenticate"] == (
        'Digest realm="Hikvision", nonce="a9d3c1f0e2b84a7c", stale="FALSE"'
    )
    # No Server header in the RTSP reply: the reply head itself is kept.
    assert cam["rtsp_server"].startswith("RTSP/1.0 401 Unauthorized\r\n")
    assert cam["banner"] == "Hikvision IPCam control port"
    assert cam["os"] == "Linux 2.6.32 - 3.10"


def test_hikvision_nvr_server_from_fingerprint(records: dict[str, dict[str, Any]]) -> None:
    nvr = records["192.168.1.70"]
    assert nvr["http_server"] == "DNVRS-Webs"
    assert nvr["html_title"] == "index"


def test_dahua_camera(records: dict[str, dict[str, Any]]) -> None:
    cam = records["192.168.1.108"]
    assert cam["mac"] == "08:ED:ED:5C:11:A2"
    assert cam["rtsp_server"] == "Dahua Rtsp Server"
    assert cam["http_server"] == "Dahua webcam httpd"  # only nmap's match was kept
    assert cam["html_title"] == "WEB SERVICE"
    assert cam["stream_path"] == "/cam/realmonitor?channel=1&subtype=0"
    assert cam["http_www_authenticate"] == (
        'Basic realm="device" | Digest realm="Login to 4M0A8C4PAZ1F2B3", nonce="1234567890", '
        'qop="auth"'
    )
    assert cam["os"] == "Linux 3.2 - 4.9"


def test_printer(records: dict[str, dict[str, Any]]) -> None:
    printer = records["192.168.1.20"]
    assert printer["snmp_sysdescr"] == (
        "HP ETHERNET MULTI-ENVIRONMENT,ROM none,JETDIRECT,JD153,EEPROM JSI23900010,CIDATE 06/17/2019"
    )
    assert printer["tls_cert_subject"] == "CN=NPI4E7701,OU=HP Printing\\, Imaging,O=HP,C=US"
    assert printer["ftp_banner"] == "220 JD FTP Server Ready"
    assert printer["telnet_banner"] == (
        '\xff\xfb\x01\r\nHP JetDirect\r\n\r\nPassword is not set\r\n\r\nPlease type "menu" for '
        'the MENU system, or "?" for help, or "/" for current settings.\r\n>'
    )
    assert printer["http_server"] == "HP Color LaserJet M452dn printer http config 2405129_000041"
    assert printer["manufacturer"] == "HP"
    assert printer["model"] == "HP Color LaserJet M452dn | CF389A"
    assert printer["device_title"] == "HP Color LaserJet M452dn [4E7701]"
    assert "SNMPv1 server (public)" in printer["banner"]
    assert "HP HTTP Server; HP Color LaserJet M452dn" in printer["banner"]
    assert printer["os"] == "Printer"


def test_ipv6_router_banners(records: dict[str, dict[str, Any]]) -> None:
    router = records["fd00::1"]
    assert router["ip"] == "fd00::1"
    assert router["mac"] == ""
    assert router["ssh_banner"] == "SSH-2.0-dropbear_2019.78"
    assert router["telnet_banner"] == "\xff\xfb\x01\r\nNetDVRDVS:"


def test_down_hosts_are_skipped(records: dict[str, dict[str, Any]]) -> None:
    assert "192.168.1.99" not in records


def test_batches(tmp_path: Path) -> None:
    path = write(tmp_path, scan(*HOSTS))
    sizes = [len(batch) for batch in read_nmap_xml(path, batch_size=2)]
    assert sizes == [2, 2, 1]
    with pytest.raises(ValueError, match="batch_size"):
        next(iter(read_nmap_xml(path, batch_size=0)))


@pytest.mark.parametrize("cut_in", ["<osmatch name", '<address addr="192.168.1.20"', "Server:"])
def test_truncated_mid_host_keeps_complete_hosts(tmp_path: Path, cut_in: str) -> None:
    text = scan(*HOSTS)
    cut = text.index(cut_in, text.index(HIKVISION_NVR[:40]) if cut_in == "Server:" else 0)
    found, sink = read_all(write(tmp_path, text[:cut]))
    complete_before = text[:cut].count("</host>")
    up_before = complete_before - text[:cut].count('state="down"')
    assert len(found) == up_before
    assert len(sink.errors) == 1
    error = sink.errors[0]
    assert "truncated XML at line" in error.reason
    assert "last host incomplete" in error.reason
    assert error.file == str(tmp_path / "scan.xml")
    assert error.line == text[:cut].count("\n") + 1


def test_truncated_between_hosts(tmp_path: Path) -> None:
    text = scan(HIKVISION_CAMERA, DAHUA_CAMERA)
    cut = text.index("<runstats>")
    found, sink = read_all(write(tmp_path, text[:cut]))
    assert [r["id"] for r in found] == ["192.168.1.64", "192.168.1.108"]
    assert len(sink.errors) == 1
    assert "ends before </nmaprun>" in sink.errors[0].reason


def test_truncated_error_names_the_cut_host(tmp_path: Path) -> None:
    text = scan(HIKVISION_CAMERA, DAHUA_CAMERA)
    cut = text.index("<ports>", text.index('addr="192.168.1.108"'))
    _, sink = read_all(write(tmp_path, text[:cut]))
    assert sink.errors[0].record_id == "192.168.1.108"


def test_malformed_mid_file(tmp_path: Path) -> None:
    broken = DAHUA_CAMERA.replace("</hostnames>", "</hostname>", 1)
    found, sink = read_all(write(tmp_path, scan(HIKVISION_CAMERA, broken, HP_PRINTER)))
    assert [r["id"] for r in found] == ["192.168.1.64"]
    assert len(sink.errors) == 1
    assert sink.errors[0].reason.startswith("malformed XML at line")
    assert "mismatched tag" in sink.errors[0].reason


def test_without_a_sink_errors_are_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    text = scan(HIKVISION_CAMERA)
    path = write(tmp_path, text[: text.index("<os>")])
    assert [r for batch in read_nmap_xml(path) for r in batch] == []
    assert "truncated XML" in caplog.text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Nmap scan report for 192.168.1.1\nHost is up.\n", "not an XML file"),
        ("", "not an XML file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not an XML file"),
        ('<?xml version="1.0"?><rss><channel/></rss>', "root element is <rss>"),
    ],
)
def test_not_nmap_xml_raises_naming_the_file(
    tmp_path: Path, content: str | bytes, message: str
) -> None:
    path = write(tmp_path, content, "upload.xml")
    with pytest.raises(NmapXmlError, match=message) as raised:
        list(read_nmap_xml(path))
    assert str(path) in str(raised.value)
    assert isinstance(raised.value, InputError)


def test_entity_expansion_is_refused(tmp_path: Path) -> None:
    laughs = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE nmaprun [<!ENTITY lol0 "lol">' + laughs + "]>\n"
        '<nmaprun scanner="nmap" start="1710238502"><host><status state="up"/>'
        '<address addr="10.0.0.1" addrtype="ipv4"/><ports><port protocol="tcp" portid="80">'
        '<state state="open"/><script id="http-title" output="&lol9;"/></port></ports></host>'
        "</nmaprun>"
    )
    path = write(tmp_path, bomb)
    with pytest.raises(NmapXmlError, match="refusing XML that declares entities") as raised:
        list(read_nmap_xml(path))
    assert str(path) in str(raised.value)


def test_external_entity_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read")
    xxe = (
        f'<?xml version="1.0"?>\n<!DOCTYPE nmaprun [<!ENTITY x SYSTEM "file://{secret}">]>\n'
        '<nmaprun scanner="nmap"><host><status state="up"/><address addr="10.0.0.1"/>'
        '<hostnames><hostname name="&x;"/></hostnames></host></nmaprun>'
    )
    with pytest.raises(NmapXmlError):
        list(read_nmap_xml(write(tmp_path, xxe)))


def test_plain_doctype_of_real_nmap_output_is_accepted(tmp_path: Path) -> None:
    text = scan(HIKVISION_CAMERA).replace(
        "<!DOCTYPE nmaprun>", '<!DOCTYPE nmaprun SYSTEM "nmap.dtd">'
    )
    found, sink = read_all(write(tmp_path, text))
    assert len(found) == 1 and sink.errors == []


def test_huge_attribute_is_cut_and_reported(tmp_path: Path) -> None:
    huge = "A" * 3_000_000
    host = DAHUA_CAMERA.replace(
        '<elem key="title">WEB SERVICE</elem>', f'<elem key="title">{huge}</elem>'
    ).replace('output="WEB SERVICE"', f'output="{huge}"')
    found, sink = read_all(write(tmp_path, scan(host, HP_PRINTER)))
    assert [r["id"] for r in found] == ["192.168.1.108", "192.168.1.20"]
    assert len(found[0]["html_title"]) == MAX_FIELD_CHARS
    assert len(sink.errors) == 1
    assert sink.errors[0].field == "html_title"
    assert "3000000 characters" in sink.errors[0].reason
    assert sink.errors[0].record_id == "192.168.1.108"


def test_memory_stays_flat_on_a_large_scan(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    count = 4000
    with path.open("w", encoding="utf-8") as out:
        out.write(PROLOGUE)
        for i in range(count):
            out.write(
                DAHUA_CAMERA.replace("192.168.1.108", f"10.{i // 65536}.{i // 256 % 256}.{i % 256}")
            )
        out.write(EPILOGUE)
    tracemalloc.start()
    seen = 0
    for batch in read_nmap_xml(path, batch_size=500):
        seen += len(batch)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert seen == count
    # The file is ~10 MB; holding it parsed would take far more than this.
    assert path.stat().st_size > 8_000_000
    assert peak < 6_000_000


def test_records_serialise_as_json(records: dict[str, dict[str, Any]]) -> None:
    for record in records.values():
        assert json.loads(json.dumps(record)) == record


def test_whitespace_and_indentation_do_not_matter(tmp_path: Path) -> None:
    pretty = textwrap.indent(scan(HIKVISION_CAMERA).split("\n", 1)[1], "  ")
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + pretty
    found, sink = read_all(write(tmp_path, text))
    assert sink.errors == []
    assert found[0]["http_server"] == "App-webs/"
