from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL
from odoo.tools.mail import html_to_inner_content

from .helpdesk_stage import OPEN_STATES
from .helpdesk_team import DUPLICATE_SIMILARITY, DUPLICATE_WINDOW_HOURS
from .helpdesk_ticket import MACHINE_CHANNELS

# At most that many candidates are proposed for a ticket, the most similar first.
MAX_CANDIDATES = 5
# An exact double submission (team setting): the same sender sending the same subject and
# description again within that many minutes.
DOUBLE_SUBMISSION_MINUTES = 10
DOUBLE_SUBMISSION_CRON = "helpdesk_itil.ir_cron_helpdesk_double_submissions"
DOUBLE_SUBMISSION_BATCH_SIZE = 50
# The ticket's fields that show the pairs (computed for the current user).
DUPLICATE_FIELDS = ["duplicate_pair_ids", "duplicated_by_pair_ids", "has_possible_duplicates"]
MATCHES = [("body", "Same Description"), ("subject", "Same Subject"), ("similar", "Similar Subject")]


# Ticket columns the candidates query reads (see _detect).
DETECT_FIELDS = (
    "subject_normalized",
    "description_hash",
    "partner_email_normalized",
    "commercial_partner_id",
    "company_id",
    "state",
    "active",
)


class HelpdeskTicketDuplicate(models.Model):
    """A pair of tickets that may be the same request: found when the newer one was created
    (or when an agent asked, *Find Duplicates*), shown on both tickets' forms to the users
    who may read both, until an agent says it is not a duplicate — then never proposed again
    for that pair.

    One row per pair: the newer ticket (the greater id) and the older one it may duplicate.
    """

    _name = "helpdesk.ticket.duplicate"
    _description = "Possible Duplicate Ticket"
    _order = "similarity desc, id desc"
    _rec_name = "ticket_id"

    ticket_id = fields.Many2one(
        "helpdesk.ticket", required=True, readonly=True, ondelete="cascade", help="The newer ticket."
    )
    original_id = fields.Many2one(
        "helpdesk.ticket",
        string="Possible Duplicate Of",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        help="The older ticket the newer one may duplicate.",
    )
    similarity = fields.Float(
        readonly=True,
        aggregator=False,
        help="Trigram similarity of the normalised subjects, 0–1; 1 for the same subject or description.",
    )
    similarity_percent = fields.Integer(
        string="Similarity (%)", compute="_compute_similarity_percent", help="The similarity × 100, as shown."
    )
    match = fields.Selection(MATCHES, required=True, readonly=True)
    dismissed = fields.Boolean(
        string="Not a Duplicate",
        readonly=True,
        help="An agent said these tickets are different requests: the pair is never proposed again.",
    )
    dismissed_uid = fields.Many2one("res.users", string="Dismissed By", readonly=True)
    dismissed_date = fields.Datetime(string="Dismissed On", readonly=True)

    # Also the index of ticket_id.
    _pair_uniq = models.Constraint("unique (ticket_id, original_id)", "This pair of tickets is already recorded.")
    _pair_order = models.Constraint(
        "CHECK (ticket_id > original_id)", "A pair names the newer ticket first (and never a ticket twice)."
    )

    @api.depends("similarity")
    def _compute_similarity_percent(self):
        for pair in self:
            pair.similarity_percent = round(pair.similarity * 100)

    @api.depends("ticket_id", "original_id", "similarity_percent")
    def _compute_display_name(self):
        for pair in self:
            pair.display_name = self.env._(
                "%(ticket)s: possible duplicate of %(original)s (%(percent)s %%)",
                ticket=pair.ticket_id.reference or "",
                original=pair.original_id.reference or "",
                percent=pair.similarity_percent,
            )

    def action_not_duplicate(self):
        """An agent who may read both tickets says they are different requests: the pair is
        kept, dismissed, and never proposed again, whoever looks or asks."""
        self.check_access("read")
        now = fields.Datetime.now()
        pairs = self.sudo().filtered(lambda pair: not pair.dismissed)
        pairs.write({"dismissed": True, "dismissed_uid": self.env.uid, "dismissed_date": now})
        for pair in pairs:
            for ticket, other in ((pair.ticket_id, pair.original_id), (pair.original_id, pair.ticket_id)):
                ticket._message_log(
                    body=Markup("<p>%s</p>")
                    % self.env._(
                        "Not a duplicate of %(other)s (%(user)s).",
                        other=other.reference,
                        user=self.env.user.name,
                    )
                )
        self.env["helpdesk.ticket"].invalidate_model(DUPLICATE_FIELDS)

    def action_merge(self):
        """The Merge button of the duplicate banner: the Merge wizard on the pair's two
        tickets, the older one proposed as the destination."""
        self.ensure_one()
        self.check_access("read")
        return (self.original_id | self.ticket_id).action_merge()

    # ------------------------------------------------------------------
    # Detection
    # ------------------------------------------------------------------

    @api.model
    def _detectable(self, tickets):
        """The tickets whose duplicates are looked for: open, from a person (alert tickets
        have their fingerprint dedupe), of a team that looks (window > 0), with a subject or
        a description to compare and a customer or an address to compare it within."""
        return tickets.filtered(
            lambda t: (
                t.active
                and t.state in OPEN_STATES
                and not t.alert_source_id
                and t.channel not in MACHINE_CHANNELS
                and (t.team_id.duplicate_window_hours if t.team_id else DUPLICATE_WINDOW_HOURS) > 0
                and (t.subject_normalized or t.description_hash)
                and (t.commercial_partner_id or t.partner_email_normalized)
            )
        )

    @api.model
    def _detect(self, tickets, refresh=False):
        """Record the possible duplicates of `tickets`: for each, at most ``MAX_CANDIDATES``
        open tickets of the same company, of the same customer (commercial partner) or
        sender address, created within its team's window before or after it, whose
        normalised subject resembles its own at least as much as the team's threshold
        (``helpdesk.ticket._similarity_sql``), or is the same, or whose description is the
        same (``description_hash``). Pairs an agent dismissed are never proposed again.

        One query for the whole batch (plus the insert); pairs already recorded are left as
        they are. `refresh` (Find Duplicates): the tickets' pairs are looked for again, those
        not found any more are removed, dismissed ones kept. Runs as superuser: who sees a
        pair is a matter of record rules.
        """
        Ticket = self.env["helpdesk.ticket"].sudo()
        tickets = self._detectable(tickets.sudo())
        if not tickets:
            return self.browse()
        # The candidates are read from the table: flush what it compares, only when a row is
        # dirty (flush_model would also flush on the empty marks precomputed fields leave
        # at creation, one more UPDATE per new ticket for fields the query does not read).
        compared = DETECT_FIELDS
        Ticket._recompute_model(compared)
        if any(self.env._field_dirty.get(Ticket._fields[fname]) for fname in compared):
            Ticket.flush_model(compared)
        self.flush_model(["ticket_id", "original_id", "dismissed"])
        rows = self.env.execute_query(self._candidates_query(tickets, refresh))
        found = {}
        for ticket_id, candidate_id, similarity, match in rows:
            key = (max(ticket_id, candidate_id), min(ticket_id, candidate_id))
            if key not in found or similarity > found[key][0]:
                found[key] = (similarity, match)
        pairs = self.sudo()
        if refresh:
            existing = pairs.search(
                Domain("dismissed", "=", False)
                & (Domain("ticket_id", "in", tickets.ids) | Domain("original_id", "in", tickets.ids))
            )
            stale = existing.filtered(lambda pair: (pair.ticket_id.id, pair.original_id.id) not in found)
            stale.unlink()
            for pair in existing - stale:
                similarity, match = found.pop((pair.ticket_id.id, pair.original_id.id))
                if (pair.similarity, pair.match) != (similarity, match):
                    pair.write({"similarity": similarity, "match": match})
        created = pairs.create(
            [
                {"ticket_id": newer, "original_id": older, "similarity": similarity, "match": match}
                for (newer, older), (similarity, match) in sorted(found.items())
            ]
        )
        self.env["helpdesk.ticket"].invalidate_model(DUPLICATE_FIELDS)
        # Merged a moment later, by their own scheduled action: the new ticket's message,
        # attachments and acknowledgement are then all on it and move with the merge.
        if not refresh and created.filtered(lambda pair: pair._is_double_submission()):
            self.env.ref(DOUBLE_SUBMISSION_CRON)._trigger()
        return created

    # ------------------------------------------------------------------
    # Exact double submissions (team setting), merged automatically
    # ------------------------------------------------------------------

    def _is_double_submission(self):
        """The newer ticket repeats the older one exactly: a team that merges double
        submissions, the same sender (contact, else address), the same subject and
        description, sent within ``DOUBLE_SUBMISSION_MINUTES``, both still open."""
        self.ensure_one()
        newer, older = self.ticket_id.sudo(), self.original_id.sudo()
        # the team's setting first: the only thing read for the teams that do not merge
        if self.dismissed or not newer.team_id.duplicate_merge_double_submissions:
            return False
        same_sender = (newer.partner_id and newer.partner_id == older.partner_id) or (
            not newer.partner_id
            and newer.partner_email_normalized
            and newer.partner_email_normalized == older.partner_email_normalized
        )
        return bool(
            newer.team_id == older.team_id
            and same_sender
            and not newer.merged_into_id
            and not older.merged_into_id
            and newer.state in OPEN_STATES
            and older.state in OPEN_STATES
            and (newer.name or "").strip() == (older.name or "").strip()
            and _plain(newer.description) == _plain(older.description)
            and abs(newer.create_date - older.create_date) <= timedelta(minutes=DOUBLE_SUBMISSION_MINUTES)
        )

    @api.model
    def _cron_merge_double_submissions(self, batch_size=DOUBLE_SUBMISSION_BATCH_SIZE):
        """Scheduled action "Helpdesk: merge double submissions", triggered by the detection:
        each exact double submission is merged into the first ticket (a system merge,
        ``helpdesk.ticket.merge.log._merge``); committed in batches."""
        since = fields.Datetime.now() - timedelta(days=1)
        domain = (
            Domain("dismissed", "=", False)
            & Domain("match", "in", ["body", "subject"])
            & Domain("ticket_id.create_date", ">=", since)
            & Domain("ticket_id.team_id.duplicate_merge_double_submissions", "=", True)
            & Domain("ticket_id.merged_into_id", "=", False)
            & Domain("ticket_id.state", "in", list(OPEN_STATES))
        )
        Pair = self.sudo()
        done = Pair.browse()
        while True:
            pairs = Pair.search(domain & Domain("id", "not in", done.ids), order="id", limit=batch_size)
            if not pairs:
                return
            done |= pairs
            doubles = pairs.filtered(lambda pair: pair._is_double_submission())
            MergeLog = self.env["helpdesk.ticket.merge.log"].sudo()
            for pair in doubles:
                if pair.ticket_id.merged_into_id:  # a triple submission: merged by an earlier pair
                    continue
                MergeLog._merge(pair.original_id._merge_destination(), pair.ticket_id)
            if not self.env["ir.cron"]._commit_progress(len(pairs)):
                return

    @api.model
    def _candidates_query(self, tickets, refresh=False):
        """SQL returning (ticket id, candidate id, similarity, match) for `tickets`, at most
        ``MAX_CANDIDATES`` per ticket, the most similar first, leaving out the pairs already
        recorded (with `refresh`, the dismissed ones only). The customer's (or sender's)
        tickets of the window are found through the (commercial_partner_id, create_date) and
        (partner_email_normalized, create_date) indexes; the similarity is computed on those
        few rows only."""
        Ticket = self.env["helpdesk.ticket"]
        columns = {
            "id": [],
            "subject": [],
            "body": [],
            "partner": [],
            "email": [],
            "company": [],
            "date_from": [],
            "date_to": [],
            "threshold": [],
        }
        for ticket in tickets:
            team = ticket.team_id
            window = timedelta(hours=team.duplicate_window_hours if team else DUPLICATE_WINDOW_HOURS)
            columns["id"].append(ticket.id)
            columns["subject"].append(ticket.subject_normalized or None)
            columns["body"].append(ticket.description_hash or None)
            columns["partner"].append(ticket.commercial_partner_id.id or None)
            columns["email"].append(ticket.partner_email_normalized or None)
            columns["company"].append(ticket.company_id.id)
            columns["date_from"].append(ticket.create_date - window)
            columns["date_to"].append(ticket.create_date + window)
            columns["threshold"].append(team.duplicate_similarity if team else DUPLICATE_SIMILARITY)
        similarity = Ticket._similarity_sql(SQL("t.subject_normalized"), SQL("n.subject"))
        return SQL(
            """
            SELECT n.id, c.id, c.similarity, c.match
              FROM unnest(%(ids)s::int[], %(subjects)s::varchar[], %(bodies)s::varchar[], %(partners)s::int[],
                          %(emails)s::varchar[], %(companies)s::int[], %(dates_from)s::timestamp[],
                          %(dates_to)s::timestamp[], %(thresholds)s::float8[])
                   AS n(id, subject, body, partner, email, company, date_from, date_to, threshold)
             CROSS JOIN LATERAL (
                    SELECT t.id, s.similarity, s.match
                      FROM helpdesk_ticket t
                     CROSS JOIN LATERAL (
                            SELECT CASE WHEN t.description_hash = n.body THEN 'body'
                                        WHEN t.subject_normalized = n.subject THEN 'subject'
                                        ELSE 'similar' END AS match,
                                   CASE WHEN t.description_hash = n.body OR t.subject_normalized = n.subject
                                        THEN 1.0::float8 ELSE %(similarity)s END AS similarity
                           ) s
                     WHERE (t.commercial_partner_id = n.partner OR t.partner_email_normalized = n.email)
                       AND t.create_date BETWEEN n.date_from AND n.date_to
                       AND t.id <> n.id
                       AND t.company_id = n.company
                       AND t.active
                       AND t.state IN %(open_states)s
                       AND s.similarity >= n.threshold
                       AND NOT EXISTS (
                            SELECT 1
                              FROM helpdesk_ticket_duplicate d
                             WHERE d.ticket_id = GREATEST(t.id, n.id)
                               AND d.original_id = LEAST(t.id, n.id)
                               AND (d.dismissed OR NOT %(refresh)s)
                           )
                     ORDER BY s.similarity DESC, t.id DESC
                     LIMIT %(limit)s
                   ) c
            """,
            ids=columns["id"],
            subjects=columns["subject"],
            bodies=columns["body"],
            partners=columns["partner"],
            emails=columns["email"],
            companies=columns["company"],
            dates_from=columns["date_from"],
            dates_to=columns["date_to"],
            thresholds=columns["threshold"],
            similarity=similarity,
            open_states=OPEN_STATES,
            refresh=bool(refresh),
            limit=MAX_CANDIDATES,
        )


def _plain(html):
    """A description as its text, whitespace collapsed: the same text typed twice in a form
    or sent twice by email compares equal whatever the markup around it."""
    return " ".join(html_to_inner_content(html or "").split())
