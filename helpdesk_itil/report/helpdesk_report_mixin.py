from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL

# Aggregators the helpdesk reports add to Odoo's (sum, avg, min, max, ...): a field declared
# with aggregator="median" or "p90" is aggregated with PostgreSQL's percentile_cont, the
# continuous percentile (linear interpolation between the two closest values; NULLs are
# left out). The pivot, graph and grouped list views ask for "<field>:<aggregator>", so the
# medians and P90 of the groups and of the pivot's total row are computed by PostgreSQL
# over the rows of the group, never averaged from other groups.
PERCENTILE_AGGREGATORS = {"median": 0.5, "p90": 0.9}
# aggregator="ratio": factor × SUM(numerator) / SUM(denominator) of the group (see
# _report_ratios), e.g. an attainment or an uptime that stays right whatever the grouping,
# where an average of percentages would not.
RATIO_AGGREGATOR = "ratio"


def report_now():
    """The moment the reports look at, as SQL: the ORM's clock (fields.Datetime.now(), which
    tests freeze), not the transaction's NOW()."""
    return SQL("%s::timestamp", fields.Datetime.to_string(fields.Datetime.now()))


# Memory for the sorts of one report query (median, P90, grouping sets), see _report_query_settings.
REPORT_WORK_MEM = "64MB"


class HelpdeskReportMixin(models.AbstractModel):
    """What the helpdesk report models share: the median, P90 and ratio aggregators, and the
    drill-down from a pivot cell or a graph point to the tickets behind it
    (``action_open_tickets``, called by the helpdesk_report_pivot/graph views)."""

    _name = "helpdesk.report.mixin"
    _description = "Helpdesk Report"

    # {ratio field: (numerator field, denominator field, factor)}
    _report_ratios = {}
    # Many2one to the ticket behind a row.
    _report_ticket_field = "ticket_id"

    @api.model
    def _report_query_settings(self):
        """Settings of a report read, for the rest of the transaction (set once per cursor;
        the team overview's counters use them too):

        - no JIT: PostgreSQL prices these views' aggregates (percentiles, calendar and
          interval joins) far above what they cost and JIT-compiles them, 1.7 s of a 3 s pivot
          at 1,000,000 tickets, for a query run once;
        - the median and P90 sort their groups' rows: in memory up to REPORT_WORK_MEM instead
          of on disk past PostgreSQL's default 4 MB.
        """
        if not getattr(self.env.cr, "_helpdesk_jit_off", False):
            self.env.cr.execute(SQL("SET LOCAL jit = off; SET LOCAL work_mem = %s", REPORT_WORK_MEM))
            self.env.cr._helpdesk_jit_off = True

    @api.model
    def _read_group(self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None):
        self._report_query_settings()
        return super()._read_group(domain, groupby, aggregates, having, offset, limit, order)

    @api.model
    def _read_grouping_sets(self, domain, grouping_sets, aggregates=(), order=None):
        self._report_query_settings()
        return super()._read_grouping_sets(domain, grouping_sets, aggregates, order)

    def _read_group_select(self, aggregate_spec, query):
        fname, _sep, func = aggregate_spec.partition(":")
        if func in PERCENTILE_AGGREGATORS or func == RATIO_AGGREGATOR:
            if fname not in self._fields:
                raise ValueError(f"Invalid field {fname!r} on model {self._name!r} for {aggregate_spec!r}.")
            if func == RATIO_AGGREGATOR:
                if fname not in self._report_ratios:
                    raise ValueError(f"{fname!r} of {self._name!r} has no ratio.")
                numerator, denominator, factor = self._report_ratios[fname]
                return SQL(
                    "%s * SUM(%s) / NULLIF(SUM(%s), 0)",
                    factor,
                    self._field_to_sql(self._table, numerator, query),
                    self._field_to_sql(self._table, denominator, query),
                )
            return SQL(
                "percentile_cont(%s) WITHIN GROUP (ORDER BY %s)",
                PERCENTILE_AGGREGATORS[func],
                self._field_to_sql(self._table, fname, query),
            )
        return super()._read_group_select(aggregate_spec, query)

    # ------------------------------------------------------------------
    # Drill-down
    # ------------------------------------------------------------------

    @api.model
    def _report_ticket_fields(self):
        """{report field: ticket field path} for the conditions a tickets domain can say
        the same way: by default the fields both models have, with the same name and type;
        a report overrides it for its own names. Figures whose meaning differs on the ticket
        (a duration that is NULL here when its event has not happened, 0 there) stay out."""
        tickets = self.env["helpdesk.ticket"]
        return {
            fname: fname
            for fname, field in self._fields.items()
            if fname in tickets._fields
            and tickets._fields[fname].type == field.type
            and tickets._fields[fname].store
            and fname not in ("id", "display_name")
            and not fname.startswith("kpi_")
        }

    @api.model
    def _report_translate_domain(self, domain):
        """`domain` said on the tickets (see ``_report_ticket_fields``), or None when one of
        its conditions cannot be."""
        mapping = self._report_ticket_fields()

        def translate(condition):
            fname, dot, path = condition.field_expr.partition(".")
            if fname not in mapping:
                raise KeyError(fname)
            return Domain(mapping[fname] + dot + path, condition.operator, condition.value)

        try:
            return domain.map_conditions(translate)
        except KeyError:
            return None

    @api.model
    def _report_ticket_domain(self, domain):
        """The tickets behind the report rows matching `domain`: the same conditions on the
        tickets when each of them can be said there (an action domain that stays small
        whatever the number of tickets), else the ids of the rows' tickets."""
        translated = self._report_translate_domain(domain)
        if translated is not None:
            return translated
        rows = self.search_fetch(domain, [self._report_ticket_field])
        return Domain("id", "in", rows[self._report_ticket_field].ids)

    @api.readonly
    @api.model
    def action_open_tickets(self, domain=()):
        """The tickets behind a pivot cell, a graph point or a list of report rows."""
        self.check_access("read")
        ticket_domain = self._report_ticket_domain(Domain(domain))
        action = self.env["ir.actions.act_window"]._for_xml_id("helpdesk_itil.helpdesk_ticket_action")
        action.update(
            {
                "name": self.env._("Tickets"),
                "domain": list(ticket_domain),
                "context": {"create": False},
                "view_mode": "list,kanban,form",
                "views": [(False, "list"), (False, "kanban"), (False, "form")],
            }
        )
        return action

    @api.readonly
    def action_open_ticket(self):
        """A report row opened from the list: its ticket's form."""
        self.ensure_one()
        ticket = self[self._report_ticket_field]
        return {
            "type": "ir.actions.act_window",
            "res_model": ticket._name,
            "res_id": ticket.id,
            "views": [(False, "form")],
        }
