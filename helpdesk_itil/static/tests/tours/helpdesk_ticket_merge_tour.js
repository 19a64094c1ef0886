import { registry } from "@web/core/registry";

// An agent opens the newer of two duplicate tickets, clicks Merge in its duplicate banner,
// keeps the proposed destination (the older ticket) and merges: the browser lands on the
// older ticket, whose Links tab shows the merged ticket as its duplicate.
registry.category("web_tour.tours").add("helpdesk_itil_ticket_merge_tour", {
    steps: () => [
        {
            trigger: ".o_form_view div[name='assist_duplicates'] button[name='action_merge']",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name='ticket_ids'] .o_data_row:contains('Tour VPN drops')",
        },
        {
            trigger: ".modal .o_field_widget[name='ticket_ids'] .o_data_row:contains('Re: Tour VPN')",
        },
        {
            trigger: ".modal button[name='action_merge']",
            run: "click",
        },
        {
            trigger: ".o_breadcrumb .active:contains('Tour VPN drops'):not(:contains('Re:'))",
        },
        {
            trigger: ".o_form_view .o_notebook a[name='links']",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='link_side_ids'] td:contains('Has duplicate')",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='link_side_ids'] td:contains('Re: Tour VPN')",
        },
    ],
});
