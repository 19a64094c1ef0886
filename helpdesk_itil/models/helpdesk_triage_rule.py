import re

from markupsafe import Markup

from odoo import Command, api, fields, models, tools
from odoo.exceptions import ValidationError
from odoo.tools.mail import email_normalize

from ..tools.text import find_keyword, fold_text, plain_text, split_keywords
from .helpdesk_priority_matrix import IMPACTS, URGENCIES
from .helpdesk_ticket import CHANNELS, CUSTOMER_CHANNELS

# A rule's action fields: it must set at least one.
RULE_FIELDS = ("category_id", "type_id", "set_team_id", "tag_ids", "impact", "urgency")
# Text a regular expression is tried on: enough for any subject and the first pages of a
# body, bounded so that a pathological pattern cannot stall ticket creation for long.
MATCH_TEXT_LIMIT = 20_000


class HelpdeskTriageRule(models.Model):
    """Classifies a new ticket when it is created, on every channel: the first active rule
    of the ticket's company (by sequence) whose conditions all hold fills the ticket's
    empty classification fields. A value the caller gave is never replaced; what happens
    after creation belongs to base_automation (Helpdesk → Configuration → Automation Rules).
    """

    _name = "helpdesk.triage.rule"
    _inherit = ["helpdesk.cached.config.mixin"]
    _description = "Helpdesk Triage Rule"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10, help="Rules are tried in this order; the first that matches wins.")
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    team_ids = fields.Many2many(
        "helpdesk.team",
        string="Teams",
        check_company=True,
        help="Only for tickets of these teams (the team the ticket is given, or would get by default). "
        "Empty: every team of the company.",
    )
    channel = fields.Selection(CHANNELS, help="Only for tickets that arrive through this channel. Empty: any.")

    # Conditions (all that are set must hold)
    keywords = fields.Char(
        help="Comma-separated words or phrases; the rule matches when the subject (or the description, "
        "see below) contains any of them as whole words, ignoring case and accents.",
    )
    regex = fields.Char(
        string="Regular Expression",
        help="Python regular expression searched in the subject (or the description), ignoring case, "
        "e.g. “(printer|impresora).*(jam|atasc)”.",
    )
    match_description = fields.Boolean(
        string="Search the Description Too",
        default=True,
        help="Keywords and the regular expression are searched in the subject and the description; "
        "otherwise in the subject only.",
    )
    sender_domains = fields.Char(
        help="Comma-separated email domains of the customer (subdomains included), e.g. “acme.com”.",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        help="The ticket's customer is one of these contacts or belongs to one of these companies.",
    )
    partner_category_ids = fields.Many2many(
        "res.partner.category",
        string="Customer Tags",
        help="The ticket's customer (or its company) has one of these tags.",
    )
    alias_id = fields.Many2one(
        "mail.alias",
        string="Email Alias",
        ondelete="cascade",
        help="Only for emails received through this address.",
    )
    product_ids = fields.Many2many(
        "product.product",
        string="Products",
        check_company=True,
        help="The ticket is about one of these products (or one in the product categories below).",
    )
    product_categ_ids = fields.Many2many(
        "product.category",
        string="Product Categories",
        help="The ticket's product belongs to one of these categories or to one of their subcategories "
        "(or is one of the products above).",
    )

    # Actions (only empty fields of the ticket are filled)
    category_id = fields.Many2one("helpdesk.category", string="Set Category", check_company=True)
    type_id = fields.Many2one("helpdesk.ticket.type", string="Set Type")
    set_team_id = fields.Many2one(
        "helpdesk.team",
        check_company=True,
        help="Send the ticket to this team unless its creator chose one. A category's default team applies otherwise.",
    )
    tag_ids = fields.Many2many("helpdesk.tag", string="Add Tags")
    impact = fields.Selection(IMPACTS, string="Set Impact")
    urgency = fields.Selection(URGENCIES, string="Set Urgency")
    ticket_count = fields.Integer(string="Tickets Classified", compute="_compute_ticket_count")

    def _compute_ticket_count(self):
        counts = dict(
            self.env["helpdesk.ticket"]._read_group(
                [("triage_rule_id", "in", self.ids)], ["triage_rule_id"], ["__count"]
            )
        )
        for rule in self:
            rule.ticket_count = counts.get(rule, 0)

    @api.constrains("regex")
    def _check_regex(self):
        for rule in self.filtered("regex"):
            try:
                re.compile(rule.regex, re.IGNORECASE)
            except re.error as error:
                raise ValidationError(
                    self.env._(
                        "The regular expression of the triage rule “%(rule)s” is not valid: %(error)s "
                        "(position %(position)s). Check brackets and escape special characters such as "
                        "“(”, “[” or “+” with a backslash.",
                        rule=rule.name,
                        error=error.msg,
                        position=error.pos,
                    )
                ) from error

    # "name" is always written at creation: the check runs for a rule created without actions.
    @api.constrains("name", "category_id", "type_id", "set_team_id", "tag_ids", "impact", "urgency")
    def _check_has_action(self):
        for rule in self:
            if not any(rule[fname] for fname in RULE_FIELDS):
                raise ValidationError(
                    self.env._(
                        "The triage rule “%(rule)s” changes nothing: set at least a category, type, team, tag, "
                        "impact or urgency.",
                        rule=rule.name,
                    )
                )

    def action_view_tickets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_ticket_action")
        action["domain"] = [("triage_rule_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------
    # Triage of new tickets (helpdesk.ticket.create)
    # ------------------------------------------------------------------

    @api.model
    def _triage(self, vals_list):
        """Classify tickets about to be created: `vals_list` is completed in place.

        For each ticket: the first matching rule fills its empty category, type, team,
        impact and urgency, and adds its tags; then, on the channels where customers write
        themselves, an urgent keyword of the team (else the company) gives an urgency the
        ticket still lacks. Marks the tickets whose priority comes from the customer alone
        (`priority_from_customer`, capped by the priority step). Returns one note per
        ticket (Markup, or "" when nothing was done) for the ticket's chatter.
        """
        Ticket = self.env["helpdesk.ticket"]
        facts = [self._ticket_facts(vals) for vals in vals_list]
        companies = self.env["res.company"].union(*(f["company"] for f in facts))
        rules = self._get_active_rules(companies)
        if rules:
            # Only rules look at the customer and the product: without any, neither is read here.
            for vals, fact in zip(vals_list, facts, strict=True):
                fact.update(self._customer_facts(vals))
                fact.update(self._product_facts(vals))
        notes = []
        for vals, fact in zip(vals_list, facts, strict=True):
            lines = []
            if fact["channel"] == "email" and vals.get("urgency") and self.env.context.get("helpdesk_mail_urgency"):
                lines.append(
                    self.env._(
                        "Urgency %(urgency)s: the sender flagged the email as urgent.",
                        urgency=dict(URGENCIES)[vals["urgency"]],
                    )
                )
            rule = next((rule for rule in rules if rule._matches(fact)), rules.browse())
            filled = {}
            if rule:
                vals["triage_rule_id"] = rule.id
                filled = rule._fill(vals)
                if filled:
                    lines.append(
                        self.env._(
                            "Categorised by rule “%(rule)s”: %(changes)s.",
                            rule=rule.name,
                            changes=", ".join(
                                f"{Ticket._fields[fname].string} {value}" for fname, value in filled.items()
                            ),
                        )
                    )
            rule_set_priority_input = bool({"impact", "urgency"}.intersection(filled))
            if fact["channel"] in CUSTOMER_CHANNELS and not vals.get("urgency"):
                keyword = find_keyword(fact["text"], fact["urgent_keywords"])
                if keyword:
                    vals["urgency"] = "high"
                    lines.append(self.env._("Urgency High: the customer wrote “%(keyword)s”.", keyword=keyword))
            if (
                fact["channel"] in CUSTOMER_CHANNELS
                and not rule_set_priority_input
                and "priority" not in vals
                # Data files and imports are written by staff, not by customers.
                and not any(self.env.context.get(key) for key in ("install_mode", "import_file"))
            ):
                vals.setdefault("priority_from_customer", True)
            notes.append(Markup("<br/>").join(lines) if lines else "")
        return notes

    @api.model
    @tools.ormcache("company_ids")
    def _get_active_rule_ids(self, company_ids):
        return tuple(self.sudo().search([("company_id", "in", list(company_ids))]).ids)

    @api.model
    def _get_active_rules(self, companies):
        """Active rules of `companies`, in order. Every new ticket asks: the ids are cached
        for the registry (cleared when a rule changes), so a ticket pays no search."""
        return self.sudo().browse(self._get_active_rule_ids(tuple(sorted(companies.ids))))

    @api.model
    def _ticket_facts(self, vals):
        """What the conditions of rules look at, for ticket values about to be created: the
        team it is given or will get by default, its company, text, customer and sender."""
        Team = self.env["helpdesk.team"].sudo()
        if "team_id" in vals:
            team = Team.browse(vals["team_id"] or [])
        else:
            category = self.env["helpdesk.category"].sudo().browse(vals.get("category_id") or [])
            team = category._get_default_team() if category else Team
        company = self.env["res.company"].browse(vals.get("company_id") or []) or team.company_id or self.env.company
        if not team and "team_id" not in vals:
            team = Team._get_company_default_team(company).sudo()
        subject = vals.get("name") or ""
        description = vals.get("description") or ""
        description = plain_text(description)
        channel = vals.get("channel") or "internal"
        keywords = team.urgent_keywords or company.helpdesk_urgent_keywords
        return {
            "company": company,
            "team": team,
            "channel": channel,
            "subject": subject[:MATCH_TEXT_LIMIT],
            "text": f"{subject}\n{description}"[:MATCH_TEXT_LIMIT],
            "alias_id": self.env.context.get("helpdesk_mail_alias_id") if channel == "email" else False,
            "urgent_keywords": split_keywords(keywords),
        }

    @api.model
    def _customer_facts(self, vals):
        """What the conditions of rules look at about the customer of ticket values: the
        sender's domain, the customer and its company, their tags."""
        partner = self.env["res.partner"].sudo().browse(vals.get("partner_id") or [])
        email = email_normalize(vals.get("partner_email") or partner.email or "") or ""
        return {
            "domain": email.rpartition("@")[2],
            "partners": partner | partner.commercial_partner_id,
            "partner_tags": partner.category_id | partner.commercial_partner_id.category_id,
        }

    @api.model
    def _product_facts(self, vals):
        """What the conditions of rules look at about the product of ticket values: the
        product and the ids of its category and the category's parents."""
        product = self.env["product.product"].sudo().browse(vals.get("product_id") or [])
        path = product.categ_id.parent_path or ""
        return {"product": product, "product_categ_ids": {int(cid) for cid in path.split("/") if cid}}

    def _matches(self, fact):
        """Whether every condition set on this rule holds for the ticket `fact` describes."""
        self.ensure_one()
        if self.company_id != fact["company"]:
            return False
        if self.team_ids and fact["team"] not in self.team_ids:
            return False
        if self.channel and self.channel != fact["channel"]:
            return False
        if self.alias_id and self.alias_id.id != fact["alias_id"]:
            return False
        text = fact["text"] if self.match_description else fact["subject"]
        if self.keywords and not find_keyword(text, split_keywords(self.keywords)):
            return False
        if self.regex and not re.search(self.regex, text, re.IGNORECASE):
            return False
        if self.sender_domains:
            domain = fact["domain"]
            domains = [d.strip().lstrip("@.") for d in fold_text(self.sender_domains).split(",") if d.strip()]
            if not domain or not any(domain == d or domain.endswith(f".{d}") for d in domains):
                return False
        if self.partner_ids and not self.partner_ids & fact["partners"]:
            return False
        if self.partner_category_ids and not self.partner_category_ids & fact["partner_tags"]:
            return False
        if self.product_ids or self.product_categ_ids:
            # One condition: the product is listed, or is in a listed category (or below it).
            product = fact["product"]
            if not product or not (
                product in self.product_ids or fact["product_categ_ids"] & set(self.product_categ_ids.ids)
            ):
                return False
        return True

    def _fill(self, vals):
        """Fill the empty fields of `vals` with this rule's actions (a value the caller gave
        stays; tags are added to the caller's). Returns {ticket field: value shown} of what
        was set, category, type, team, tags, impact, urgency."""
        self.ensure_one()
        filled = {}
        for fname, target in (("category_id", "category_id"), ("type_id", "type_id"), ("set_team_id", "team_id")):
            # An explicit team_id=False is the caller's choice too: a ticket without team.
            if self[fname] and not vals.get(target) and not (target == "team_id" and "team_id" in vals):
                vals[target] = self[fname].id
                filled[target] = self[fname].display_name
        if self.tag_ids:
            vals["tag_ids"] = [*(vals.get("tag_ids") or []), *(Command.link(tag.id) for tag in self.tag_ids)]
            filled["tag_ids"] = ", ".join(self.tag_ids.mapped("display_name"))
        for fname, selection in (("impact", IMPACTS), ("urgency", URGENCIES)):
            if self[fname] and not vals.get(fname):
                vals[fname] = self[fname]
                filled[fname] = dict(selection)[self[fname]]
        return filled
