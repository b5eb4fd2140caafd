"""`itsm kb import`: an existing knowledge base — a wiki export, a folder of notes — brought in
as KB articles, through the real `itsm` process and real git, on a fresh `itsm init` desk.

The files are written the way people write them: some with front-matter, most without, with
CRLF line ends, a byte-order mark, a setext heading, no heading at all.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from itsm.records import markdown
from tests.conftest import RunItsm, git, snapshot

KB_RE = re.compile(r"^KB-[0-9A-Z]{6}$")


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


@pytest.fixture
def wiki(tmp_path: Path) -> Path:
    """A wiki export as people have them."""
    root = tmp_path / "it-wiki"
    write(root / "network" / "vpn-drops.md",
          "# VPN drops every few minutes\n\nSeen on hotel Wi-Fi. Lower the MTU to 1350 in the client.\n")
    write(root / "printer.md", "---\ntitle: Printer queue stuck\ntags: [Printer, spooler]\n"
          "category: hardware/printer\nlayout: page\n---\nRestart the print spooler service on PRT-01.\n")
    write(root / "wifi_guest_password.md", "The guest Wi-Fi password is on the board at reception.\n")
    write(root / "Outlook" / "profile.markdown",
          "\ufeffOutlook asks for the password again and again\r\n==============\r\n\r\n"
          "Delete the Outlook profile and create it again.\r\n")
    write(root / "onboarding.txt", "Intro text first.\n\n# New starter accounts\n\nHR files the form.\n")
    write(root / "diagram.png", b"\x89PNG\r\n")
    write(root / ".git" / "HEAD.md", "# not knowledge\n\ngit internals\n")
    return root


def kb_records(desk: Path) -> dict[str, markdown.Article]:
    found = {}
    for path in sorted((desk / "kb").glob("*.md")):
        article = markdown.parse(path.read_text(encoding="utf-8"), "kb", str(path))
        assert isinstance(article, markdown.Article)
        if "imported" in article.extra:
            found[article.extra["imported"]["from"]] = article
    return found


def commits(desk: Path) -> list[str]:
    return git(desk, "log", "--format=%s").splitlines()


# -- importing ------------------------------------------------------------------------------


def test_a_wiki_export_becomes_kb_articles_in_one_commit(run_itsm: RunItsm, desk: Path, wiki: Path) -> None:
    before = commits(desk)
    done = run_itsm("kb", "import", str(wiki))
    assert done.returncode == 0, done.stderr
    assert commits(desk) == ["kb import: 5 new, 0 updated from it-wiki/", *before]
    articles = kb_records(desk)
    assert sorted(articles) == ["it-wiki/Outlook/profile.markdown", "it-wiki/network/vpn-drops.md",
                                "it-wiki/onboarding.txt", "it-wiki/printer.md", "it-wiki/wifi_guest_password.md"]
    titles = {source: article.title for source, article in articles.items()}
    assert titles == {
        "it-wiki/network/vpn-drops.md": "VPN drops every few minutes",  # the first heading, taken out of the body
        "it-wiki/printer.md": "Printer queue stuck",  # front-matter
        "it-wiki/wifi_guest_password.md": "Wifi guest password",  # the file name
        "it-wiki/Outlook/profile.markdown": "Outlook asks for the password again and again",  # setext, BOM, CRLF
        "it-wiki/onboarding.txt": "New starter accounts",  # the first `# ` heading, left in place
    }
    assert articles["it-wiki/network/vpn-drops.md"].body == "Seen on hotel Wi-Fi. Lower the MTU to 1350 in the client."
    assert articles["it-wiki/Outlook/profile.markdown"].body == "Delete the Outlook profile and create it again."
    assert articles["it-wiki/onboarding.txt"].body.startswith("Intro text first.\n\n# New starter accounts")
    printer = articles["it-wiki/printer.md"]
    assert (printer.category, printer.tags) == ("hardware/printer", ("printer", "spooler"))
    assert "layout" not in printer.extra  # the wiki's own keys are not the desk's
    for article in articles.values():
        assert KB_RE.match(article.id)
        assert article.author == "Alice Moreau"
        assert article.extra["imported"]["sha256"] and article.extra["imported"]["at"] == article.created
    listed = {line.split()[0] for line in done.stdout.splitlines()[:-1]}
    assert listed == {article.id for article in articles.values()}
    assert done.stdout.splitlines()[-1] == "imported 5 articles (5 new, 0 updated); 0 unchanged; 0 passed over"
    assert run_itsm("check").returncode == 0


def test_imported_plain_articles_are_found_by_diagnosis(run_itsm: RunItsm, wiki: Path) -> None:
    assert run_itsm("kb", "import", str(wiki)).returncode == 0
    ticket = run_itsm("new", "vpn keeps dropping in the hotel", "-q").stdout.strip()
    hits = json.loads(run_itsm("diagnose", ticket, "--json").stdout)
    assert hits[0]["kind"] == "kb" and hits[0]["title"] == "VPN drops every few minutes"
    assert hits[0]["resolution"] == "Seen on hotel Wi-Fi. Lower the MTU to 1350 in the client."


def test_importing_the_same_files_again_changes_nothing(run_itsm: RunItsm, desk: Path, wiki: Path) -> None:
    assert run_itsm("kb", "import", str(wiki)).returncode == 0
    before = snapshot(desk)
    # The folder again, one file by name, and the folder from inside itself: the same sources.
    again = run_itsm("kb", "import", str(wiki), str(wiki / "printer.md"))
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1] == "imported 0 articles (0 new, 0 updated); 5 unchanged; 0 passed over"
    assert run_itsm("kb", "import", ".", "--desk", str(desk), cwd=wiki).returncode == 0
    assert snapshot(desk) == before


def test_a_file_changed_since_updates_its_article(run_itsm: RunItsm, desk: Path, wiki: Path) -> None:
    assert run_itsm("kb", "import", str(wiki)).returncode == 0
    first = kb_records(desk)["it-wiki/network/vpn-drops.md"]
    with (wiki / "network" / "vpn-drops.md").open("a", encoding="utf-8") as file:
        file.write("\nIf it persists, reinstall the client.\n")
    done = run_itsm("kb", "import", str(wiki), env={"ITSM_NOW": "2026-11-27T10:00:00Z"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"{first.id}  updated  it-wiki/network/vpn-drops.md  VPN drops every few minutes",
        "imported 1 article (0 new, 1 updated); 4 unchanged; 0 passed over",
    ]
    after = kb_records(desk)["it-wiki/network/vpn-drops.md"]
    assert after.id == first.id and after.created == first.created
    assert after.body.endswith("If it persists, reinstall the client.")
    assert after.updated == after.extra["imported"]["at"] == "2026-11-27T10:00:00Z"
    assert commits(desk)[0] == "kb import: 0 new, 1 updated from it-wiki/"


def test_an_article_edited_here_is_not_overwritten_by_a_changed_file(run_itsm: RunItsm, desk: Path,
                                                                     wiki: Path) -> None:
    assert run_itsm("kb", "import", str(wiki)).returncode == 0
    printer = kb_records(desk)["it-wiki/printer.md"]
    edited = run_itsm("kb", "edit", printer.id, env={"EDITOR": "sed -i s/PRT-01/PRT-02/",
                                                       "ITSM_NOW": "2026-11-27T10:00:00Z"})
    assert edited.returncode == 0, edited.stderr
    write(wiki / "printer.md", (wiki / "printer.md").read_text(encoding="utf-8") + "Then print a test page.\n")
    before = snapshot(desk)
    done = run_itsm("kb", "import", str(wiki))
    assert done.returncode == 0
    assert (f"itsm: warning: it-wiki/printer.md changed since it was imported as {printer.id}, and {printer.id} "
            f"was edited here since: kept as it is (take the new text with itsm kb edit {printer.id})"
            ) in done.stderr.splitlines()
    assert snapshot(desk) == before
    assert "PRT-02" in kb_records(desk)["it-wiki/printer.md"].body


def test_files_that_cannot_be_articles_are_passed_over_with_the_reason(run_itsm: RunItsm, desk: Path,
                                                                        tmp_path: Path) -> None:
    root = tmp_path / "notes"
    write(root / "good.md", "# Reset MFA\n\nRemove the old phone in Entra, register the new one.\n")
    write(root / "latin1.md", "Caf\xe9 wifi".encode("latin-1"))
    write(root / "unclosed.md", "---\ntitle: Half\nbody without a closing fence\n")
    write(root / "bad-yaml.md", "---\ntitle: [unclosed\n---\ntext\n")
    write(root / "list-front.md", "---\n- a\n- b\n---\ntext\n")
    write(root / "empty.md", "\n\n")
    write(root / "huge.md", "# Huge\n\n" + "x" * (markdown.MAX_FILE_BYTES + 10))
    write(root / "long-title.md", "# " + "word " * 60 + "\n\ntext\n")
    os.mkfifo(root / "pipe.md")
    done = run_itsm("kb", "import", str(root))
    assert done.returncode == 0, done.stderr
    warnings = sorted(line for line in done.stderr.splitlines() if "passed over" in line)
    assert warnings == [
        "itsm: warning: notes/bad-yaml.md passed over: its front-matter is not valid YAML (line 3): "
        "expected ',' or ']', but got '<stream end>'",
        "itsm: warning: notes/empty.md passed over: is empty: nothing to import",
        "itsm: warning: notes/huge.md passed over: file is larger than 4 MiB",
        "itsm: warning: notes/latin1.md passed over: not UTF-8 text (byte 3)",
        "itsm: warning: notes/list-front.md passed over: its front-matter is not a mapping of keys to values",
        "itsm: warning: notes/long-title.md passed over: its title: the title is longer than 200 characters "
        "or holds control characters",
        "itsm: warning: notes/pipe.md passed over: not a regular file (a FIFO); only files are records",
        "itsm: warning: notes/unclosed.md passed over: its front-matter opens with '---' but never closes",
    ]
    assert [a.title for a in kb_records(desk).values()] == ["Reset MFA"]
    assert done.stdout.splitlines()[-1] == "imported 1 article (1 new, 0 updated); 0 unchanged; 8 passed over"


def test_nothing_importable_is_refused_and_changes_nothing(run_itsm: RunItsm, desk: Path, tmp_path: Path) -> None:
    bad = write(tmp_path / "only" / "bad.md", b"\xff\xfe\x00")
    (tmp_path / "none").mkdir()
    write(tmp_path / "none" / "picture.png", b"png")
    before = snapshot(desk)
    for args, message in (
        ([str(bad.parent)], "itsm: error: nothing was imported: every file was passed over (see the warnings above)"),
        ([str(tmp_path / "none")], "itsm: error: nothing was imported: no Markdown files (*.md, *.markdown, *.txt) "
                                   "were found"),
        ([str(tmp_path / "missing")], f"itsm: error: {tmp_path / 'missing'}: no such file or folder; nothing was "
                                      "imported"),
        (["kb"], "itsm: error: kb: is this desk's own records; nothing was imported (import from a folder "
                 "outside tickets/, problems/ and kb/)"),
    ):
        done = run_itsm("kb", "import", *args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert message in done.stderr.splitlines(), done.stderr
        assert "Traceback" not in done.stderr
        assert snapshot(desk) == before


def test_the_desk_itself_and_symbolic_links_are_not_walked(run_itsm: RunItsm, desk: Path, tmp_path: Path) -> None:
    assert run_itsm("kb", "new", "Existing article", "--body", "Some text.").returncode == 0
    assert run_itsm("new", "A ticket", "-q").returncode == 0
    outside = write(tmp_path / "outside" / "secret.md", "# Secret\n\nnot for the desk\n")
    write(desk / "docs" / "howto.md", "# Map a network drive\n\nUse \\\\files\\share.\n")
    (desk / "docs" / "linked").symlink_to(outside.parent, target_is_directory=True)
    (desk / "docs" / "secret.md").symlink_to(outside)
    git(desk, "add", "-A")
    git(desk, "commit", "-q", "-m", "docs")
    done = run_itsm("kb", "import", ".")
    assert done.returncode == 0, done.stderr
    assert [a.title for a in kb_records(desk).values()] == ["Map a network drive"]
    for link in ("desk/docs/secret.md", "desk/docs/linked"):
        assert (f"itsm: warning: {link} passed over: is a symbolic link; name what it points to, to import it"
                in done.stderr.splitlines())


def test_dry_run_and_json(run_itsm: RunItsm, desk: Path, wiki: Path) -> None:
    before = snapshot(desk)
    dry = run_itsm("kb", "import", str(wiki), "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    data = json.loads(dry.stdout)
    assert data["dry_run"] is True and len(data["created"]) == 5 and data["updated"] == data["skipped"] == []
    assert {item["id"] for item in data["created"]} == {None}  # IDs are minted by the import itself
    text = run_itsm("kb", "import", str(wiki), "--dry-run")
    assert "(new)      new      it-wiki/printer.md  Printer queue stuck" in text.stdout.splitlines()
    assert text.stdout.splitlines()[-1] == "would import 5 articles (5 new, 0 updated); 0 unchanged; 0 passed over"
    assert snapshot(desk) == before
    done = json.loads(run_itsm("kb", "import", str(wiki), "--tag", "wiki", "-c", "access/account", "--json").stdout)
    by_source = {item["from"]: item for item in done["created"]}
    assert by_source["it-wiki/printer.md"]["title"] == "Printer queue stuck"
    articles = kb_records(desk)
    assert articles["it-wiki/printer.md"].category == "hardware/printer"  # its own category wins
    assert articles["it-wiki/printer.md"].tags == ("wiki", "printer", "spooler")
    assert articles["it-wiki/wifi_guest_password.md"].category == "access/account"
    again = json.loads(run_itsm("kb", "import", str(wiki), "--json").stdout)
    assert sorted(item["id"] for item in again["unchanged"]) == sorted(item["id"] for item in done["created"])


def test_control_characters_in_names_and_titles_never_reach_the_terminal(run_itsm: RunItsm, desk: Path,
                                                                           tmp_path: Path) -> None:
    root = tmp_path / "hostile"
    write(root / "evil\x1b[2Jname.md", "# Fine title\n\ntext\n")
    write(root / "title.md", "---\ntitle: \"bad \\e[31m title\"\n---\ntext\n")
    write(root / "two\nlines.md", "# Second\n\ntext\n")
    write(Path(os.fsdecode(os.fsencode(root) + b"/caf\xe9-latin1-name.md")), "# Third\n\ntext\n")  # not UTF-8
    done = run_itsm("kb", "import", str(root))
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout + done.stderr
    assert "passed over: its title: the title is longer than 200 characters or holds control characters" in done.stderr
    articles = kb_records(desk)
    assert sorted(a.title for a in articles.values()) == ["Fine title", "Second", "Third"]
    assert sorted(articles) == ["hostile/caf\ufffd-latin1-name.md", "hostile/evil\x1b[2Jname.md", "hostile/two\nlines.md"]
    assert run_itsm("check").returncode == 0
    again = run_itsm("kb", "import", str(root))
    assert again.stdout.splitlines()[-1] == "imported 0 articles (0 new, 0 updated); 3 unchanged; 1 passed over"


def test_a_folder_that_cannot_be_listed_is_said(run_itsm: RunItsm, desk: Path, tmp_path: Path) -> None:
    """A folder nested deeper than a path can name (PATH_MAX, 4096 bytes on Linux) cannot be
    listed, even by root: the import says so, and imports the rest."""
    root = tmp_path / "share"
    write(root / "a.md", "# Reset MFA\n\ntext\n")
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(22):  # 22 x 201 bytes: past PATH_MAX, made one folder at a time
            os.mkdir("d" * 200, dir_fd=fd)
            inner = os.open("d" * 200, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        with open(os.open("deep.md", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as file:
            file.write("# Too deep\n\ntext\n")
    finally:
        os.close(fd)
    done = run_itsm("kb", "import", str(root))
    assert done.returncode == 0, done.stderr
    said = [line for line in done.stderr.splitlines() if "cannot read the folder" in line]
    assert len(said) == 1 and said[0].startswith("itsm: warning: share/dddd")
    assert said[0].endswith("/ passed over: cannot read the folder: File name too long")
    assert [a.title for a in kb_records(desk).values()] == ["Reset MFA"]
