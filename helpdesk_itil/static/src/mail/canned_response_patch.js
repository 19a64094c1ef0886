import { SuggestionService } from "@mail/core/common/suggestion_service";
import { UseSuggestion } from "@mail/core/common/suggestion_hook";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";

// Canned responses ("::") in a ticket's composer: when the suggestions are fetched, the
// server renders the user's canned responses for the ticket (helpdesk.ticket
// helpdesk_canned_responses: placeholders filled in from a whitelist, fit to the ticket's
// team and category); the ones that fit come first, and the rendered text is what gets
// inserted. Odoo itself keeps loading canned responses once into the store and filtering
// them in the browser; this patch only reorders and substitutes.

const TICKET_MODEL = "helpdesk.ticket";

function isTicket(thread) {
    return thread?.model === TICKET_MODEL && Number.isInteger(thread.id);
}

patch(SuggestionService.prototype, {
    async fetchSuggestions(search, options = {}) {
        const fetching = super.fetchSuggestions(...arguments);
        if (search.delimiter !== "::" || !isTicket(options.thread)) {
            return fetching;
        }
        await Promise.all([fetching, this.fetchTicketCannedResponses(options.thread, options)]);
    },

    async fetchTicketCannedResponses(thread, { abortSignal, ids } = {}) {
        const rows = await this.makeOrmCall(
            TICKET_MODEL,
            "helpdesk_canned_responses",
            [[thread.id]],
            ids ? { canned_response_ids: ids } : {},
            { abortSignal }
        );
        const known = this.ticketCannedResponses?.threadId === thread.id ? this.ticketCannedResponses.byId : {};
        const byId = ids ? { ...known } : {};
        for (const row of rows) {
            byId[row.id] = row;
        }
        this.ticketCannedResponses = { threadId: thread.id, byId };
        return byId;
    },

    /** Rendered canned responses of `thread` ({id: row}), if fetched. */
    getTicketCannedResponses(thread) {
        if (isTicket(thread) && this.ticketCannedResponses?.threadId === thread.id) {
            return this.ticketCannedResponses.byId;
        }
        return undefined;
    },

    searchSuggestions({ delimiter }, { thread } = {}) {
        const result = super.searchSuggestions(...arguments);
        const rendered = delimiter === "::" && this.getTicketCannedResponses(thread);
        if (rendered) {
            // Array.prototype.sort is stable: within a fit, Odoo's order (by shortcut) stays.
            const fit = (response) => rendered[response.id]?.fit ?? 0;
            result.suggestions = [...result.suggestions].sort((a, b) => fit(b) - fit(a));
        }
        return result;
    },
});

patch(UseSuggestion.prototype, {
    insert(option) {
        const thread = this.thread;
        if (!option.cannedResponse || !isTicket(thread)) {
            return super.insert(option);
        }
        const row = this.suggestionService.getTicketCannedResponses(thread)?.[option.cannedResponse.id];
        if (row) {
            return this.insertTicketCannedResponse(option, row);
        }
        // Picked before the rendered texts arrived: render this one, then insert it.
        return this.suggestionService
            .fetchTicketCannedResponses(thread, { ids: [option.cannedResponse.id] })
            .then((byId) =>
                byId[option.cannedResponse.id]
                    ? this.insertTicketCannedResponse(option, byId[option.cannedResponse.id])
                    : super.insert(option)
            );
    },

    insertTicketCannedResponse(option, row) {
        super.insert({ ...option, label: row.text });
        const problems = [];
        if (row.unknown.length) {
            problems.push(_t("Not placeholders, left as typed: %s", row.unknown.join(", ")));
        }
        if (row.empty.length) {
            problems.push(
                _t(
                    "No value on this ticket for: %s",
                    row.empty.map((name) => `{{${name}}}`).join(", ")
                )
            );
        }
        if (problems.length) {
            this.comp.env.services.notification.add(problems.join(" "), {
                title: _t("Check the canned response “%s”", row.source),
                type: "warning",
            });
        }
    },
});
