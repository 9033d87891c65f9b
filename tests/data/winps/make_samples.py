#!/usr/bin/env python3
"""Writes the raw Windows output samples in this directory, byte for byte.

The samples are what the named command sends down an SSH channel (or leaves
in a redirected file) on the named Windows version and language: CRLF, the
CR CR LF of wmic and cmd pipes, UTF-16LE with and without a BOM, a UTF-8
BOM, OEM code pages 437 and 850, and the trailing blanks of padded columns.
test_winps.c holds the text each must decode to.  Run from anywhere:
    python3 tests/data/winps/make_samples.py
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def lines(rows, eol):
    return "".join(row + eol for row in rows)


SAMPLES = {}

# Windows 7 English, `wmic logicaldisk get caption,freespace,size` through a
# pipe: wmic converts its UTF-16 to the OEM code page and leaves CR CR LF.
# Columns are padded with blanks; the CD-ROM (D:) has no free space or size.
WMIC_ROWS = [
    "Caption  FreeSpace     Size          ",
    "C:       52228907008   255953203200  ",
    "D:                                   ",
    "E:       1073741824    8587833344    ",
    "",
]
SAMPLES["wmic_logicaldisk_win7_en.crcrlf.txt"] = \
    lines(WMIC_ROWS, "\r\r\n").encode("ascii")

# Windows 10 English, the same query redirected to a file
# (`wmic ... > disks.txt`): UTF-16LE with a BOM and plain CRLF.
SAMPLES["wmic_logicaldisk_win10_en.utf16bom.txt"] = \
    b"\xff\xfe" + lines(WMIC_ROWS, "\r\n").encode("utf-16-le")

# Windows 10 English, `Get-HotFix | Format-Table` from a console whose output
# encoding is Unicode: UTF-16LE without a BOM.
HOTFIX_EN = [
    "",
    "Source        Description      HotFixID      InstalledBy          InstalledOn              ",
    "------        -----------      --------      -----------          -----------              ",
    "WS-0142       Update           KB5031988     NT AUTHORITY\\SYSTEM  11/14/2023 12:00:00 AM   ",
    "WS-0142       Security Update  KB5032189     NT AUTHORITY\\SYSTEM  11/15/2023 12:00:00 AM   ",
    "WS-0142       Update           KB5032907                          12/13/2023 12:00:00 AM   ",
    "",
    "",
]
SAMPLES["get_hotfix_win10_en.utf16nobom.txt"] = \
    lines(HOTFIX_EN, "\r\n").encode("utf-16-le")

# Windows 10 German, `Get-HotFix | Format-Table` through an SSH pipe:
# Windows PowerShell 5.1 writes the OEM code page, 850 on German systems.
HOTFIX_DE = [
    "",
    "Source        Description      HotFixID      InstalledBy          InstalledOn              ",
    "------        -----------      --------      -----------          -----------              ",
    "PC-BUCHHALT   Update           KB5031988     NT-AUTORITÄT\\SYSTEM  14.11.2023 00:00:00      ",
    "PC-BUCHHALT   Security Update  KB5032189     NT-AUTORITÄT\\SYSTEM  15.11.2023 00:00:00      ",
    "",
    "",
]
SAMPLES["get_hotfix_win10_de.cp850.txt"] = \
    lines(HOTFIX_DE, "\r\n").encode("cp850")

# Windows XP English, `sc query Netlogon`: a leading empty line and the
# trailing blanks sc leaves after TYPE and STATE.
SC_QUERY = [
    "",
    "SERVICE_NAME: Netlogon",
    "        TYPE               : 20  WIN32_SHARE_PROCESS  ",
    "        STATE              : 4  RUNNING ",
    "                                (STOPPABLE, PAUSABLE, ACCEPTS_SHUTDOWN)",
    "        WIN32_EXIT_CODE    : 0  (0x0)",
    "        SERVICE_EXIT_CODE  : 0  (0x0)",
    "        CHECKPOINT         : 0x0",
    "        WAIT_HINT          : 0x0",
]
SAMPLES["sc_query_netlogon_xp_en.txt"] = \
    lines(SC_QUERY, "\r\n").encode("ascii")

# Windows 7 English, `net localgroup Administrators`.
NET_EN = [
    "Alias name     Administrators",
    "Comment        Administrators have complete and unrestricted access to the computer/domain",
    "",
    "Members",
    "",
    "-------------------------------------------------------------------------------",
    "Administrator",
    "CORP\\Domain Admins",
    "CORP\\svc-deploy",
    "The command completed successfully.",
    "",
]
SAMPLES["net_localgroup_win7_en.txt"] = lines(NET_EN, "\r\n").encode("ascii")

# Windows 7 German, `net localgroup Administratoren`: OEM 850 umlauts
# (0x84 ä, 0x81 ü, 0x94 ö) and blank-padded member names.
NET_DE = [
    "Aliasname     Administratoren",
    "Beschreibung  Administratoren haben uneingeschränkten Vollzugriff auf den Computer bzw. die Domäne.",
    "",
    "Mitglieder",
    "",
    "-------------------------------------------------------------------------------",
    "Administrator            ",
    "CORP\\Domänen-Admins      ",
    "CORP\\jürgen.müller       ",
    "CORP\\Björn.Größer        ",
    "Der Befehl wurde erfolgreich ausgeführt.",
    "",
]
SAMPLES["net_localgroup_win7_de.cp850.txt"] = \
    lines(NET_DE, "\r\n").encode("cp850")

# Windows XP English, `dir C:\Shares`: OEM 437, where 0x9B is '¢' (in 850 it
# is 'ø'), 0x82 'é', 0x9A 'Ü', 0xAB '½'.
DIR_XP = [
    " Volume in drive C has no label.",
    " Volume Serial Number is 4C3A-91F2",
    "",
    " Directory of C:\\Shares",
    "",
    "03/14/2009  09:12 AM    <DIR>          .",
    "03/14/2009  09:12 AM    <DIR>          ..",
    "11/02/2008  04:55 PM            18,432 Café Menü.doc",
    "01/20/2009  10:03 AM             2,048 Übersicht ½.txt",
    "02/02/2009  08:40 AM               512 Coffee 50¢.txt",
    "               3 File(s)         20,992 bytes",
    "               2 Dir(s)   8,421,376,000 bytes free",
]
SAMPLES["dir_shares_xp_en.cp437.txt"] = lines(DIR_XP, "\r\n").encode("cp437")

# Windows 10 German, `Get-LocalGroupMember Administratoren | Out-File
# -Encoding UTF8`: a UTF-8 BOM, then UTF-8 text.
LGM_DE = [
    "",
    "ObjectClass Name                         PrincipalSource",
    "----------- ----                         ---------------",
    "Benutzer    PC-BUCHHALT\\Administrator    Local          ",
    "Gruppe      CORP\\Domänen-Admins          ActiveDirectory",
    "Benutzer    CORP\\jürgen.müller           ActiveDirectory",
    "",
    "",
]
SAMPLES["get_localgroupmember_win10_de.utf8bom.txt"] = \
    b"\xef\xbb\xbf" + lines(LGM_DE, "\r\n").encode("utf-8")

# Windows 7 English, a cmd batch run over SSH with echo on: CRLF from cmd,
# CR CR LF from wmic, lone CRs from a progress counter, tabs and blanks at
# line ends, and empty lines at the end.
SAMPLES["batch_mixed_win7_en.txt"] = (
    b"\r\n"
    b"C:\\Users\\deploy>echo Checking disks \t \r\n"
    b"Checking disks\t \r\n"
    b"\r\n"
    b"C:\\Users\\deploy>wmic logicaldisk where \"DeviceID='C:'\" get freespace \r\n"
    b"FreeSpace    \r\r\n"
    b"52228907008  \r\r\n"
    b"\r\r\n"
    b"\r\r\n"
    b"Verifying: 10 percent complete.\rVerifying: 100 percent complete.\r\n"
    b"Done.   \r\n"
    b"\r\n"
    b"\r\n"
)

for name, data in SAMPLES.items():
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
