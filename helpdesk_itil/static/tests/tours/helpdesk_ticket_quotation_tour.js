import { registry } from "@web/core/registry";

// An agent with sales rights turns the open ticket into a quotation with one product,
// lands on the quotation, and follows its "Ticket" smart button back to the ticket,
// which now shows one quotation.
registry.category("web_tour.tours").add("helpdesk_itil_ticket_quotation_tour", {
    steps: () => [
        {
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_create_quotation']",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name='partner_id']:contains('Tour Customer')",
        },
        {
            trigger: ".modal .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name='product_id'] input",
            run: "edit Tour Dock",
        },
        {
            trigger: ".ui-autocomplete .dropdown-item:contains('Tour Dock')",
            run: "click",
        },
        {
            trigger: ".modal button[name='action_create_quotation']",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name='partner_id']:contains('Tour Customer')",
        },
        {
            trigger: ".o_form_view .o_field_one2many[name='order_line'] td:contains('Tour Dock')",
        },
        {
            trigger: ".o_form_view button[name='action_view_helpdesk_ticket']",
            run: "click",
        },
        {
            trigger: ".o_form_view button[name='action_view_sale_orders'] .o_stat_value:contains('1')",
        },
    ],
});
