from markupsafe import Markup

from odoo.tests import BaseCase

from ..tools.text import (
    BODY_MIN_LENGTH,
    body_hash,
    description_hash,
    find_keyword,
    fold_text,
    normalize_body,
    normalize_subject,
    plain_text,
    split_keywords,
)


class TestNormalizeSubject(BaseCase):
    def test_reply_and_forward_markers(self):
        for subject in (
            "VPN drops",
            "Re: VPN drops",
            "RE: VPN drops",
            "re:VPN drops",
            "Fwd: VPN drops",
            "FW: VPN drops",
            "Fw : VPN drops",
            "AW: VPN drops",
            "WG: VPN drops",
            "RV: VPN drops",
            "TR: VPN drops",
            "RES: VPN drops",
            "ENC: VPN drops",
            "Antw: VPN drops",
            "SV: VPN drops",
            "VS: VPN drops",
            "Re[2]: VPN drops",
            "RE(3): VPN drops",
            "Re： VPN drops",
            "Re: Fwd: RE: AW: VPN drops",
        ):
            with self.subTest(subject=subject):
                self.assertEqual(normalize_subject(subject), "vpn drops")

    def test_references_and_tags(self):
        for subject in (
            "[HD-000123] VPN drops",
            "Re: [HD-000123] VPN drops",
            "[EXTERNAL] Re: [hd-000123] VPN drops",
            "VPN drops [HD-000123]",
            "VPN [ HD-000123 ] drops",
        ):
            with self.subTest(subject=subject):
                self.assertEqual(normalize_subject(subject), "vpn drops")

    def test_case_and_whitespace(self):
        self.assertEqual(normalize_subject("  VPN\tDROPS \n every   10 minutes "), "vpn drops every 10 minutes")
        self.assertEqual(normalize_subject("Ñandú CAÍDO"), "ñandú caído")

    def test_words_that_look_like_markers_stay(self):
        for subject, expected in (
            ("Reset: password", "reset: password"),
            ("Resolution: VPN", "resolution: vpn"),
            ("Travel: laptop", "travel: laptop"),
            ("Invoice [draft] is wrong", "invoice [draft] is wrong"),
            ("HD-000123 VPN drops", "hd-000123 vpn drops"),
            ("Where is Re: in the middle", "where is re: in the middle"),
        ):
            with self.subTest(subject=subject):
                self.assertEqual(normalize_subject(subject), expected)

    def test_nothing_left(self):
        for subject in ("", None, "Re:", "  [HD-000123]  ", "Fwd: Re:"):
            with self.subTest(subject=subject):
                self.assertEqual(normalize_subject(subject), "")


class TestBodyHash(BaseCase):
    BODY = "Since this morning the VPN drops every ten minutes on every laptop of the sales team."

    def test_equal_words_equal_hash(self):
        reference = body_hash(self.BODY)
        self.assertEqual(len(reference), 64)
        for variant in (
            self.BODY.upper(),
            self.BODY.replace(" ", "\n"),
            f"  {self.BODY}  ",
            self.BODY.replace("VPN", "*VPN*").replace(".", "!"),
        ):
            with self.subTest(variant=variant):
                self.assertEqual(body_hash(variant), reference)

    def test_other_words_other_hash(self):
        self.assertNotEqual(body_hash(self.BODY), body_hash(self.BODY.replace("ten", "five")))

    def test_short_bodies_have_none(self):
        short = "x" * (BODY_MIN_LENGTH - 1)
        self.assertEqual(body_hash(short), "")
        self.assertEqual(body_hash(f"*** {short} !!!"), "", "punctuation does not count")
        self.assertEqual(body_hash(""), "")
        self.assertEqual(body_hash(None), "")
        self.assertTrue(body_hash("x" * BODY_MIN_LENGTH))

    def test_normalize_body(self):
        self.assertEqual(normalize_body("Hello,\n\n*Printer* 3 — E42!"), "hello printer 3 e42")

    def test_description_hash(self):
        """A ticket's description is HTML: its text is what counts."""
        html = "<p>Since this morning the <b>VPN</b> drops every ten minutes</p><p>on every laptop.</p>"
        self.assertEqual(
            description_hash(html), body_hash("Since this morning the VPN drops every ten minutes on every laptop.")
        )
        self.assertEqual(description_hash("<p><br></p>"), "")
        self.assertEqual(description_hash(False), "")

    def test_plain_text(self):
        """Read three times for a new ticket, converted once: the same text each time, as
        Markup or as str."""
        html = Markup("<p>Printer <b>E42</b> on floor 3</p>")
        self.assertEqual(plain_text(html), "Printer *E42* on floor 3")
        self.assertEqual(plain_text(str(html)), plain_text(html))
        self.assertEqual(plain_text("<p><br></p>"), "")
        self.assertEqual(plain_text(False), "")


class TestKeywords(BaseCase):
    def test_fold_ignores_case_and_accents(self):
        self.assertEqual(fold_text("CAÍDO Crítico Straße"), "caido critico strasse")

    def test_split_keywords(self):
        self.assertEqual(split_keywords(" Urgent, caído;NO  funciona\n\nurgent ,"), ["urgent", "caido", "no funciona"])
        self.assertEqual(split_keywords(False), [])

    def test_find_keyword_whole_words(self):
        keywords = split_keywords("urgent, down, no funciona")
        self.assertEqual(find_keyword("URGENT: printer", keywords), "urgent")
        self.assertEqual(find_keyword("the server is down.", keywords), "down")
        self.assertEqual(find_keyword("El correo NO\nFUNCIONA", keywords), "no funciona")
        self.assertEqual(find_keyword("download is slow, not urgently", keywords), "")
        self.assertEqual(find_keyword("", keywords), "")
        self.assertEqual(find_keyword("urgent", []), "")
