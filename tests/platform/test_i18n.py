"""Korean first, English available: negotiation, catalogs, and the switch on real pages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.platform.i18n import LOCALE_DIR, negotiate

ROOT = Path(__file__).resolve().parents[2]


class TestNegotiation:
    def test_korean_is_the_default(self) -> None:
        assert negotiate(None, None, "") == "ko"

    def test_explicit_choice_wins_then_cookie_then_browser(self) -> None:
        assert negotiate("en", "ko", "ko-KR") == "en"
        assert negotiate(None, "en", "ko-KR") == "en"
        assert negotiate(None, None, "en-US,en;q=0.9,ko;q=0.5") == "en"
        assert negotiate(None, None, "fr-FR, ko;q=0.3") == "ko"

    def test_unsupported_or_garbage_values_fall_back(self) -> None:
        assert negotiate("xx", "yy", "zz;q=abc, ;;") == "ko"


class TestCatalogs:
    def test_every_message_in_the_code_has_a_korean_translation(self, tmp_path: Path) -> None:
        template = tmp_path / "messages.pot"
        subprocess.run(
            [
                str(Path(sys.executable).parent / "pybabel"),
                "extract",
                "-F",
                "babel.cfg",
                "-k",
                "_",
                "-k",
                "gettext",
                "-k",
                "N_",
                "-k",
                "ngettext:1,2",
                "-o",
                str(template),
                ".",  # babel.cfg's patterns are relative to the project root
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        with template.open("rb") as handle:
            extracted = {m.id for m in read_po(handle) if m.id}
        with (LOCALE_DIR / "ko" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            korean = {m.id: m.string for m in read_po(handle, locale="ko") if m.id and not m.fuzzy}
        assert len(extracted) > 80, "extraction found the messages of the code and templates"
        untranslated = sorted(str(i) for i in extracted if not korean.get(i))
        assert not untranslated, (
            f"add Korean for these (make messages, then edit ko/messages.po): {untranslated}"
        )


class TestPages:
    async def test_home_is_korean_by_default(self, client: AsyncTestClient[Litestar]) -> None:
        response = await client.get("/")
        assert '<html lang="ko">' in response.text
        assert "243개 지방자치단체" in response.text
        assert response.headers["content-language"] == "ko"

    async def test_lang_switch_is_remembered(self, client: AsyncTestClient[Litestar]) -> None:
        english = await client.get("/?lang=en")
        assert '<html lang="en">' in english.text
        assert "One platform for the finances of 243 local governments" in english.text
        assert english.cookies.get("lofin_lang") == "en"
        again = await client.get("/")
        assert '<html lang="en">' in again.text

    async def test_accept_language_is_honoured(self, client: AsyncTestClient[Litestar]) -> None:
        response = await client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"})
        assert response.headers["content-language"] == "en"

    async def test_six_services_are_introduced_and_linked(self, client: AsyncTestClient[Litestar]) -> None:
        page = (await client.get("/")).text
        for slug, name in [
            ("finance", "차세대 e호조+"),
            ("subsidy", "보탬e"),
            ("policy", "정책지원e"),
            ("billing", "e호조+ 빌"),
            ("participation", "주민e참여"),
            ("disclosure", "지방재정365"),
        ]:
            assert f'href="/{slug}/"' in page
            assert name in page
        for public in ("participation", "disclosure"):
            assert (await client.get(f"/{public}/")).status_code == 200
