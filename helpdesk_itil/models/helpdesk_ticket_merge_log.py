import logging
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import SQL, is_html_empty
from odoo.tools.mail import email_normalize, email_split_and_format

from .helpdesk_stage import DONE_STATES, TICKET_STATES
from .helpdesk_ticket import CONFIRMATIONS

_logger = logging.getLogger(__name__)

# A manager may unmerge for that many days; then the scheduled action expires the audit.
UNMERGE_DAYS = 30
EXPIRE_BATCH_SIZE = 500
MERGE_STATES = [("merged", "Merged"), ("unmerged", "Unmerged"), ("expired", "Unmerge Expired")]


class HelpdeskTicketMergeLog(models.Model):
    """The audit of one ticket merged into another: what moved (messages, attachments,
    followers added, CC, tags, links, ERP documents), the SLA lines the merge cancelled and
    the source's stage before, so that a manager can unmerge within ``UNMERGE_DAYS`` days.

    The merge itself (``_merge``) and the unmerge (``action_unmerge``) live here; who may
    merge what is ``helpdesk.ticket._merge_check``. Managers only read these records.
    """

    _name = "helpdesk.ticket.merge.log"
    _description = "Helpdesk Ticket Merge"
    _order = "id desc"

    source_id = fields.Many2one(
        "helpdesk.ticket", string="Merged Ticket", required=True, readonly=True, index=True, ondelete="cascade"
    )
    destination_id = fields.Many2one(
        "helpdesk.ticket", string="Merged Into", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="source_id.company_id", store=True, index=True)
    user_id = fields.Many2one("res.users", string="Merged By", readonly=True, default=lambda self: self.env.user)
    date = fields.Datetime(string="Merged On", readonly=True, default=fields.Datetime.now)
    state = fields.Selection(MERGE_STATES, required=True, default="merged", readonly=True, index=True)
    unmerge_deadline = fields.Datetime(string="Unmerge Until", readonly=True, index=True)
    unmerged_by_id = fields.Many2one("res.users", readonly=True)
    unmerged_date = fields.Datetime(string="Unmerged On", readonly=True)
    other_customers = fields.Boolean(
        string="Different Customers", readonly=True, help="A manager confirmed merging tickets of different customers."
    )
    # What moved
    message_ids = fields.Many2many(
        "mail.message",
        "helpdesk_ticket_merge_log_message_rel",
        "log_id",
        "message_id",
        string="Messages",
        readonly=True,
    )
    message_prefix = fields.Char(readonly=True, help="The mark put at the top of each moved message.")
    attachment_ids = fields.Many2many(
        "ir.attachment", "helpdesk_ticket_merge_log_attachment_rel", "log_id", "attachment_id", readonly=True
    )
    follower_ids = fields.Many2many(
        "mail.followers",
        "helpdesk_ticket_merge_log_follower_rel",
        "log_id",
        "follower_id",
        string="Followers Added",
        readonly=True,
    )
    follower_partner_ids = fields.Many2many("res.partner", string="Partners Added as Followers", readonly=True)
    tag_ids = fields.Many2many("helpdesk.tag", string="Tags Added", readonly=True)
    email_cc_added = fields.Char(string="CC Added", readonly=True)
    links = fields.Json(
        readonly=True,
        help="The links the merge moved, retyped and created, kept to undo it: "
        '{"moved": [[link, side]], "retyped": [[link, type, from, to]], "created": [link]}',
    )
    documents = fields.Json(readonly=True, help="{model: [ids]} of the ERP documents moved to the destination.")
    document_summary = fields.Text(string="Documents Moved", compute="_compute_document_summary")
    sla_line_ids = fields.Many2many("helpdesk.ticket.sla", string="SLA Lines Cancelled", readonly=True)
    # The source before the merge
    previous_stage_id = fields.Many2one("helpdesk.stage", readonly=True, ondelete="set null")
    previous_state = fields.Selection(TICKET_STATES, readonly=True)
    previous_closure_code_id = fields.Many2one("helpdesk.closure.code", readonly=True, ondelete="set null")
    previous_resolution_note = fields.Html(readonly=True, sanitize=False)
    previous_confirmation = fields.Selection(CONFIRMATIONS, readonly=True)
    destination_reopened = fields.Boolean(
        readonly=True, help="The destination was resolved or closed: the merge reopened it."
    )

    @api.depends("source_id", "destination_id")
    def _compute_display_name(self):
        for log in self:
            log.display_name = f"{log.source_id.reference} → {log.destination_id.reference}"

    @api.depends("documents")
    def _compute_document_summary(self):
        for log in self:
            lines = []
            for model, ids in (log.documents or {}).items():
                if model not in self.env:
                    continue
                records = self.env[model].sudo().browse(ids).exists()
                lines += [f"{records._description}: {record.display_name}" for record in records]
            log.document_summary = "\n".join(lines)

    # ------------------------------------------------------------------
    # Merge
    # ------------------------------------------------------------------

    @api.model
    def _merge(self, destination, sources, other_customers=False):
        """Merge `sources` into `destination` (checked by ``helpdesk.ticket._merge_check``).

        The destination is reopened first if it was resolved or closed (a reopen like any
        other); then, in a bounded number of queries for the whole batch, the sources'
        messages (but the tracking-only ones), attachments, followers (once; across customer
        companies, not the external ones), CC, tags, links and ERP documents move to it; the
        sources' running SLA lines are cancelled and the sources closed with the system
        closure code *duplicate*, pointing to the destination and linked to it as duplicates.
        Returns the audit records, one per source.
        """
        _ = self.env._
        now = fields.Datetime.now()
        sources = sources.sorted("id")
        reopened = destination.state in DONE_STATES
        if reopened:
            destination._set_state("in_progress")
        dest = destination.sudo()
        srcs = sources.sudo()
        values = {
            source.id: {
                "source_id": source.id,
                "destination_id": dest.id,
                "user_id": self.env.uid,
                "date": now,
                "unmerge_deadline": now + timedelta(days=UNMERGE_DAYS),
                "other_customers": other_customers,
                "previous_stage_id": source.stage_id.id,
                "previous_state": source.state,
                "previous_closure_code_id": source.closure_code_id.id,
                "previous_resolution_note": source.resolution_note,
                "previous_confirmation": source.customer_confirmation,
                "destination_reopened": reopened,
            }
            for source in srcs
        }
        self._merge_messages(dest, srcs, values)
        self._merge_attachments(dest, srcs, values)
        self._merge_followers(dest, srcs, values)
        self._merge_cc_and_tags(dest, srcs, values)
        self._merge_links(dest, srcs, values)
        self._merge_documents(dest, srcs, values)
        lines = self.env["helpdesk.ticket.sla"]._cancel_tickets(srcs, now)
        for source_id, source_lines in lines.grouped("ticket_id").items():
            values[source_id.id]["sla_line_ids"] = [Command.set(source_lines.ids)]
        note = Markup("<p>%s</p>") % _("Merged into %(ticket)s.", ticket=dest.reference)
        srcs.with_context(helpdesk_closure="system")._set_state(
            "closed",
            {
                "closure_code_id": self.env.ref("helpdesk_itil.closure_duplicate").id,
                "resolution_note": note,
                "merged_into_id": dest.id,
                "customer_confirmation": "none",
            },
        )
        logs = self.sudo().create(list(values.values()))
        srcs._message_log_batch(
            {
                source.id: Markup("<p>%s</p>")
                % _(
                    "Merged into %(ticket)s by %(user)s.",
                    ticket=dest._get_html_link(title=dest.reference),
                    user=self.env.user.name,
                )
                for source in srcs
            }
        )
        dest.message_post(
            body=Markup("<p>%s</p><ul>%s</ul>")
            % (
                _("Tickets merged into this one by %(user)s:", user=self.env.user.name),
                Markup().join(
                    Markup("<li>%s</li>")
                    % _(
                        "%(ticket)s: %(messages)s messages, %(attachments)s attachments, %(followers)s followers",
                        ticket=log.source_id._get_html_link(title=log.source_id.reference),
                        messages=len(log.message_ids),
                        attachments=len(log.attachment_ids),
                        followers=len(log.follower_ids),
                    )
                    for log in logs
                ),
            ),
            subtype_xmlid="mail.mt_note",
        )
        return logs

    @api.model
    def _merge_messages(self, dest, sources, values):
        """Messages with something to read move, marked with their ticket; tracking-only ones
        (stage changes, assignments) stay with the ticket they happened on."""
        Message = self.env["mail.message"].sudo()
        messages = Message.search_fetch(
            Domain("model", "=", dest._name) & Domain("res_id", "in", sources.ids),
            ["res_id", "body", "attachment_ids"],
        )
        moving = messages.filtered(lambda m: not is_html_empty(m.body) or m.attachment_ids)
        prefixes = {
            source.id: Markup('<p class="o_helpdesk_merged_from"><small>%s</small></p>')
            % self.env._("From %(ticket)s", ticket=source.reference)
            for source in sources
        }
        for source in sources:
            source_messages = moving.filtered(lambda m, source=source: m.res_id == source.id)
            values[source.id]["message_ids"] = [Command.set(source_messages.ids)]
            values[source.id]["message_prefix"] = str(prefixes[source.id])
        if not moving:
            return
        Message.flush_model(["res_id", "body"])
        self.env.execute_query(
            SQL(
                """UPDATE mail_message m
                      SET res_id = %(dest)s, body = v.prefix || COALESCE(m.body, '')
                     FROM unnest(%(ids)s::int[], %(prefixes)s::text[]) AS v(id, prefix)
                    WHERE m.id = v.id""",
                dest=dest.id,
                ids=moving.ids,
                prefixes=[str(prefixes[message.res_id]) for message in moving],
            )
        )
        Message.invalidate_model(["res_id", "body"])
        (dest | sources).invalidate_recordset()

    @api.model
    def _merge_attachments(self, dest, sources, values):
        rows = self.env.execute_query(
            SQL(
                """UPDATE ir_attachment a SET res_id = %(dest)s
                     FROM ir_attachment o
                    WHERE a.id = o.id AND o.res_model = %(model)s AND o.res_id = ANY(%(ids)s) AND o.res_field IS NULL
                RETURNING a.id, o.res_id""",
                dest=dest.id,
                model=dest._name,
                ids=sources.ids,
            )
        )
        moved = defaultdict(list)
        for attachment_id, source_id in rows:
            moved[source_id].append(attachment_id)
        for source in sources:
            values[source.id]["attachment_ids"] = [Command.set(moved[source.id])]
        self.env["ir.attachment"].invalidate_model(["res_id"])

    @api.model
    def _merge_followers(self, dest, sources, values):
        """Followers of the sources follow the destination once. Across customer companies,
        the external ones (portal customers) do not: they would read another customer's ticket."""
        Followers = self.env["mail.followers"].sudo()
        rows = Followers.search_fetch(
            Domain("res_model", "=", dest._name) & Domain("res_id", "in", (dest | sources).ids),
            ["res_id", "partner_id", "subtype_ids"],
            order="id",
        )
        following = {row.partner_id.id for row in rows if row.res_id == dest.id}
        dest_customer = dest._merge_customer_key()
        to_create = []
        for source in sources:
            foreign = source._merge_customer_key() != dest_customer
            for row in rows.filtered(lambda r, source=source: r.res_id == source.id):
                partner = row.partner_id
                if partner.id in following or (foreign and partner.partner_share):
                    continue
                following.add(partner.id)
                to_create.append(
                    (
                        source,
                        {
                            "res_model": dest._name,
                            "res_id": dest.id,
                            "partner_id": partner.id,
                            "subtype_ids": [Command.set(row.subtype_ids.ids)],
                        },
                    )
                )
        created = Followers.create([vals for _source, vals in to_create])
        added = defaultdict(lambda: Followers.browse())
        for (source, _vals), follower in zip(to_create, created, strict=True):
            added[source.id] |= follower
        for source in sources:
            values[source.id]["follower_ids"] = [Command.set(added[source.id].ids)]
            values[source.id]["follower_partner_ids"] = [Command.set(added[source.id].partner_id.ids)]
        if created:
            dest.invalidate_recordset(["message_follower_ids", "message_partner_ids"])

    @api.model
    def _merge_cc_and_tags(self, dest, sources, values):
        addresses = email_split_and_format(dest.email_cc or "")
        known = {email_normalize(address) for address in addresses}
        tags = dest.tag_ids
        for source in sources:
            added = []
            for address in email_split_and_format(source.email_cc or ""):
                normalized = email_normalize(address)
                if normalized and normalized not in known:
                    known.add(normalized)
                    added.append(address)
            addresses += added
            values[source.id]["email_cc_added"] = ", ".join(added) or False
            new_tags = source.tag_ids - tags
            tags |= new_tags
            values[source.id]["tag_ids"] = [Command.set(new_tags.ids)]
        if (dest.email_cc or "") != ", ".join(addresses):
            dest._write_stamps({"email_cc": ", ".join(addresses) or False})
        if tags != dest.tag_ids:
            # Through write(): tags may change which SLA policies apply.
            dest.write({"tag_ids": [Command.set(tags.ids)]})

    @api.model
    def _merge_links(self, dest, sources, values):
        """A source's links to other tickets move to the destination (unless it is already
        linked to that ticket); a link between a source and the destination becomes
        "duplicate of"; every source ends up a duplicate of the destination. Links between two
        sources stay as they are."""
        Link = self.env["helpdesk.ticket.link"].sudo()
        ids = (dest | sources).ids
        links = Link.search(Domain("ticket_id", "in", ids) | Domain("target_id", "in", ids), order="id")
        linked_to_dest = {
            (link.target_id if link.ticket_id == dest else link.ticket_id).id: link
            for link in links
            if dest in (link.ticket_id, link.target_id)
        }
        moves = {"ticket_id": Link.browse(), "target_id": Link.browse()}
        new_links = []
        for source in sources:
            record = {"moved": [], "retyped": [], "created": []}
            for link in links.filtered(lambda lk, source=source: source in (lk.ticket_id, lk.target_id)):
                side = "ticket_id" if link.ticket_id == source else "target_id"
                other = link.target_id if side == "ticket_id" else link.ticket_id
                if other == dest:
                    if (link.link_type, link.ticket_id) != ("duplicate_of", source):
                        record["retyped"].append([link.id, link.link_type, link.ticket_id.id, link.target_id.id])
                        link.write({"link_type": "duplicate_of", "ticket_id": source.id, "target_id": dest.id})
                    continue
                if other in sources or other.id in linked_to_dest:
                    continue
                linked_to_dest[other.id] = link
                moves[side] |= link
                record["moved"].append([link.id, side])
            if source.id not in linked_to_dest:
                new_links.append((record, {"ticket_id": source.id, "target_id": dest.id, "link_type": "duplicate_of"}))
            values[source.id]["links"] = record
        for side, side_links in moves.items():
            if side_links:
                side_links.write({side: dest.id})
        created = Link.create([vals for _record, vals in new_links])
        for (record, _vals), link in zip(new_links, created, strict=True):
            record["created"].append(link.id)
        (dest | sources).invalidate_recordset(["link_ids", "related_ticket_ids"])

    @api.model
    def _merge_documents(self, dest, sources, values):
        """ERP documents made from the sources (``helpdesk.ticket._merge_documents``) and the
        invoices they reference move to the destination. An invoice of another customer stays:
        a ticket references its own customer's invoices only."""
        moved = defaultdict(lambda: defaultdict(list))
        for model, fname in self.env["helpdesk.ticket"]._merge_documents().items():
            records = self.env[model].sudo().search_fetch(Domain(fname, "in", sources.ids), [fname])
            for record in records:
                moved[record[fname].id][model].append(record.id)
            if records:
                records.write({fname: dest.id})
        for source in sources:
            invoices = (source.invoice_ids - dest.invoice_ids).filtered(
                lambda move: move.commercial_partner_id == dest.commercial_partner_id
            )
            if invoices:
                moved[source.id]["account.move"] = invoices.ids
                source._write_stamps({"invoice_ids": [Command.unlink(move.id) for move in invoices]})
                dest._write_stamps({"invoice_ids": [Command.link(move.id) for move in invoices]})
        for source in sources:
            values[source.id]["documents"] = dict(moved[source.id])

    # ------------------------------------------------------------------
    # Unmerge
    # ------------------------------------------------------------------

    def action_unmerge(self):
        """Undo merges (helpdesk managers, within ``UNMERGE_DAYS`` days): what moved goes
        back to the source, which reopens in its previous stage. The SLA lines the merge
        cancelled stay cancelled; new ones carry the time they had used."""
        if not self.env.user.has_group("helpdesk_itil.group_helpdesk_manager"):
            raise AccessError(self.env._("Only a helpdesk manager can unmerge tickets."))
        for log in self.sudo():
            log._unmerge()
        if len(self) == 1:
            return self.source_id._action_view_ticket()
        return True

    def _unmerge(self):
        self.ensure_one()
        _ = self.env._
        now = fields.Datetime.now()
        source, dest = self.source_id, self.destination_id
        if self.state != "merged":
            raise UserError(_("%(merge)s cannot be unmerged any more.", merge=self.display_name))
        if self.unmerge_deadline and self.unmerge_deadline < now:
            raise UserError(
                _(
                    "%(merge)s was merged more than %(days)s days ago: it cannot be unmerged.",
                    merge=self.display_name,
                    days=UNMERGE_DAYS,
                )
            )
        if source.merged_into_id != dest:
            raise UserError(
                _("%(ticket)s is not merged into %(dest)s any more.", ticket=source.reference, dest=dest.reference)
            )
        # Messages and attachments still on the destination go back (unmarked).
        prefix = self.message_prefix or ""
        Message = self.env["mail.message"]
        Message.flush_model(["res_id", "body"])
        if self.message_ids:
            self.env.execute_query(
                SQL(
                    """UPDATE mail_message
                          SET res_id = %(source)s,
                              body = CASE WHEN left(body, %(length)s) = %(prefix)s
                                          THEN substr(body, %(length)s + 1) ELSE body END
                        WHERE id = ANY(%(ids)s) AND model = %(model)s AND res_id = %(dest)s""",
                    source=source.id,
                    dest=dest.id,
                    length=len(prefix),
                    prefix=prefix,
                    ids=self.message_ids.ids,
                    model=dest._name,
                )
            )
            Message.invalidate_model(["res_id", "body"])
        if self.attachment_ids:
            self.env["ir.attachment"].flush_model(["res_id"])
            self.env.execute_query(
                SQL(
                    "UPDATE ir_attachment SET res_id = %s WHERE id = ANY(%s) AND res_model = %s AND res_id = %s",
                    source.id,
                    self.attachment_ids.ids,
                    dest._name,
                    dest.id,
                )
            )
            self.env["ir.attachment"].invalidate_model(["res_id"])
        self.follower_ids.exists().unlink()
        self._unmerge_cc_and_tags()
        self._unmerge_links()
        self._unmerge_documents()
        (source | dest).invalidate_recordset()
        # The source reopens where it was (an unmerge is not a reopen: it was never solved).
        vals = {
            "merged_into_id": False,
            "closure_code_id": self.previous_closure_code_id.id,
            "resolution_note": self.previous_resolution_note,
            "customer_confirmation": self.previous_confirmation or "none",
        }
        ticket = source.with_context(helpdesk_closure="system", helpdesk_unmerge=True)
        stage = self.previous_stage_id
        if stage and stage.active and (not stage.team_ids or source.team_id in stage.team_ids):
            ticket.write({**vals, "stage_id": stage.id})
        else:
            ticket._set_state(self.previous_state or "in_progress", vals)
        self.env["helpdesk.ticket.sla"]._carry_over(self.sla_line_ids, now)
        self.write({"state": "unmerged", "unmerged_by_id": self.env.uid, "unmerged_date": now})
        body = Markup("<p>%s</p>") % _(
            "Unmerged by %(user)s: %(ticket)s is its own ticket again; its messages, attachments, followers, "
            "links and documents went back to it.",
            user=self.env.user.name,
            ticket=source.reference,
        )
        (source | dest)._message_log_batch(dict.fromkeys((source | dest).ids, body))

    def _unmerge_cc_and_tags(self):
        dest = self.destination_id
        removed = {email_normalize(address) for address in email_split_and_format(self.email_cc_added or "")}
        if removed:
            kept = [a for a in email_split_and_format(dest.email_cc or "") if email_normalize(a) not in removed]
            dest._write_stamps({"email_cc": ", ".join(kept) or False})
        tags = self.tag_ids & dest.tag_ids
        if tags:
            dest.write({"tag_ids": [Command.unlink(tag.id) for tag in tags]})

    def _unmerge_links(self):
        Link = self.env["helpdesk.ticket.link"].sudo()
        source, dest = self.source_id, self.destination_id
        record = self.links or {}
        Link.browse(record.get("created", [])).exists().unlink()
        for link_id, link_type, ticket_id, target_id in record.get("retyped", []):
            Link.browse(link_id).exists().write(
                {"link_type": link_type, "ticket_id": ticket_id, "target_id": target_id}
            )
        moved = Link.browse([link_id for link_id, _side in record.get("moved", [])]).exists()
        for link_id, side in record.get("moved", []):
            link = moved.filtered(lambda lk, link_id=link_id: lk.id == link_id)
            if not link or link[side] != dest:
                continue
            other = link.target_id if side == "ticket_id" else link.ticket_id
            if Link._find_pairs([(source.id, other.id)]):
                continue
            link.write({side: source.id})

    def _unmerge_documents(self):
        source, dest = self.source_id, self.destination_id
        fields_by_model = self.env["helpdesk.ticket"]._merge_documents()
        for model, ids in (self.documents or {}).items():
            if model == "account.move":
                invoices = self.env[model].sudo().browse(ids).exists() & dest.invoice_ids
                if invoices:
                    dest._write_stamps({"invoice_ids": [Command.unlink(move.id) for move in invoices]})
                    source._write_stamps({"invoice_ids": [Command.link(move.id) for move in invoices]})
                continue
            fname = fields_by_model.get(model)
            if not fname or model not in self.env:
                continue
            records = self.env[model].sudo().browse(ids).exists().filtered(lambda r, fname=fname: r[fname] == dest)
            if records:
                records.write({fname: source.id})

    # ------------------------------------------------------------------
    # Scheduled action
    # ------------------------------------------------------------------

    @api.model
    def _cron_expire_unmerge(self, batch_size=EXPIRE_BATCH_SIZE):
        """Scheduled action "Helpdesk: expire unmerge": merges older than ``UNMERGE_DAYS``
        days can no longer be undone; committed in batches."""
        now = fields.Datetime.now()
        domain = Domain("state", "=", "merged") & Domain("unmerge_deadline", "<=", now)
        Log = self.sudo()
        while True:
            logs = Log.search(domain, limit=batch_size)
            if not logs:
                return
            logs.write({"state": "expired"})
            if not self.env["ir.cron"]._commit_progress(len(logs), remaining=Log.search_count(domain)):
                return
