/**
 * New-ticket forms (/my/tickets/new, /helpdesk/<team>/submit): as the subject is typed,
 * suggest up to 5 help articles (/help/suggest answers with what the visitor may read).
 * Debounced: one request 300 ms after the last key stroke, stale answers dropped.
 */
const DELAY = 300;
const MIN_LENGTH = 3;

function setup(form) {
    const input = form.querySelector("input[name='name']");
    const box = form.querySelector(".o_helpdesk_article_suggestions");
    const list = box && box.querySelector(".o_helpdesk_article_suggestion_list");
    if (!input || !list) {
        return;
    }
    let timer = null;
    let last = 0;
    const render = (articles) => {
        list.replaceChildren();
        for (const article of articles) {
            const link = document.createElement("a");
            link.className = "list-group-item list-group-item-action o_helpdesk_article_suggestion";
            link.href = article.url;
            const title = document.createElement("div");
            title.className = "fw-bold";
            title.textContent = article.name;
            const summary = document.createElement("div");
            summary.className = "small text-muted";
            summary.textContent = article.summary || "";
            link.append(title, summary);
            list.append(link);
        }
        box.classList.toggle("d-none", !articles.length);
    };
    const fetchSuggestions = async () => {
        const query = input.value.trim();
        const request = ++last;
        if (query.length < MIN_LENGTH) {
            render([]);
            return;
        }
        try {
            const response = await fetch(`/help/suggest?q=${encodeURIComponent(query)}`, {
                headers: { Accept: "application/json" },
            });
            const articles = response.ok ? await response.json() : [];
            if (request === last) {
                render(articles);
            }
        } catch {
            // Suggestions are a help, not a requirement: the form works without them.
        }
    };
    input.addEventListener("input", () => {
        clearTimeout(timer);
        timer = setTimeout(fetchSuggestions, DELAY);
    });
    if (input.value.trim()) {
        fetchSuggestions();
    }
}

function start() {
    document.querySelectorAll("form.o_helpdesk_ticket_submit").forEach(setup);
}

if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
} else {
    start();
}
