"""The offline architect: prompt -> AppSpec, behaviour on the seed prompts and hand-written cases."""

from __future__ import annotations

import pytest

from autocrea.blueprint.architect import Blueprint, design
from autocrea.blueprint.coverage import unmatched_entities
from autocrea.blueprint.entities import draft_for
from autocrea.blueprint.lexicon import lexicon
from autocrea.blueprint.nouns import UnknownNoun
from autocrea.domain.appspec import RESERVED_ENTITIES, RESERVED_FIELDS, RESERVED_TABLES, AppSpec, EntitySpec
from autocrea.errors import PromptRejected


def _entity(spec: AppSpec, name: str) -> EntitySpec:
    return spec.entity(name)


def _targets(entity: EntitySpec) -> set[str]:
    return {r.target for r in entity.relations}


def test_library_in_english_has_books_members_and_loans_linked() -> None:
    spec = design("a library system with books, members and loans").spec
    assert [e.name for e in spec.entities] == ["Book", "Member", "Loan"]
    assert _targets(_entity(spec, "Loan")) == {"Book", "Member"}
    loan = _entity(spec, "Loan")
    assert {r.field for r in loan.relations} == {"book_id", "member_id"}
    assert all(r.required for r in loan.relations)
    assert spec.language == "en"
    assert spec.name == "Library"
    assert spec.slug == "library"
    assert _entity(spec, "Book").label == "Book"
    assert [p.path for p in spec.pages] == ["/", "/books", "/members", "/loans"]


def test_library_in_spanish_has_spanish_labels_and_english_identifiers() -> None:
    spec = design("Sistema de biblioteca con libros, socios y préstamos").spec
    assert spec.language == "es"
    assert spec.name == "Biblioteca"
    book = _entity(spec, "Book")
    assert (book.label, book.label_plural) == ("Libro", "Libros")
    assert book.field("title").label == "Título"
    assert _entity(spec, "Loan").label_plural == "Préstamos"
    assert _targets(_entity(spec, "Loan")) == {"Book", "Member"}
    assert spec.summary.startswith("Biblioteca: una app para gestionar libros, socios y préstamos")


def test_attributes_listed_in_the_prompt_become_fields_in_order() -> None:
    spec = design("Una app de libros con título, autor y fecha de publicación").spec
    book = _entity(spec, "Book")
    names = [f.name for f in book.fields]
    assert names[:3] == ["title", "author", "published_on"]
    assert book.field("published_on").type == "date"
    assert book.field("author").label == "Autor"


def test_unknown_attributes_get_types_from_keywords() -> None:
    spec = design(
        "An app to manage boats, with name, hull colour, purchase date, unit price, crew count, "
        "owner email, harbour phone, website link, status and is insured"
    ).spec
    boat = _entity(spec, "Boat")
    types = {f.name: f.type for f in boat.fields}
    assert types["purchase_date"] == "date"
    assert types["unit_cost"] == "decimal"  # "unit price" is a known field
    assert types["crew_count"] == "integer"
    assert types["owner_email"] == "email"
    assert types["harbour_phone"] == "phone"
    assert types["website_link"] == "url"
    assert types["status"] == "enum" and boat.field("status").choices
    assert types["is_insured"] == "boolean"
    assert types["hull_colour"] == "string"


def test_patient_files_list_their_fields() -> None:
    spec = design(
        "A hospital app. Patient electronic files should include patient name, date of visit, diagnosis, "
        "and comments."
    ).spec
    patient = _entity(spec, "Patient")
    assert [f.name for f in patient.fields][:4] == ["name", "visit_date", "diagnosis", "notes"]


def test_linked_nouns_become_relations() -> None:
    spec = design("Gestión de préstamos de herramientas a vecinos").spec
    names = [e.name for e in spec.entities]
    assert "Tool" in names
    assert spec.entities  # the prompt has a domain


def test_order_relates_to_product_and_customer() -> None:
    spec = design("An online shop with products, customers and orders").spec
    assert _targets(_entity(spec, "Order")) == {"Product", "Customer"}
    assert "payments" in spec.features


@pytest.mark.parametrize(
    ("prompt", "entities", "feature", "integration", "noted"),
    [
        (
            "Crear e-commerce con pagos Stripe",
            ["Product", "Order", "Customer"],
            "payments",
            "Stripe",
            "Stripe",
        ),
        ("Landing page con formulario de contacto", ["ContactMessage"], "contact_form", None, None),
        ("Blog con CMS y autenticación", ["Post", "Comment", "Category"], "auth", None, None),
        (
            "Dashboard con gráficos en tiempo real",
            ["Metric"],
            "dashboard",
            "Real-time updates",
            "Actualizaciones en tiempo real",  # the notes speak the prompt's language
        ),
        ("API REST con MongoDB", ["Item"], "search", "MongoDB", "MongoDB"),
        ("Create a simple todo app", ["Task"], "search", None, None),
    ],
)
def test_seed_prompts(
    prompt: str, entities: list[str], feature: str, integration: str | None, noted: str | None
) -> None:
    blueprint = design(prompt)
    spec = blueprint.spec
    assert [e.name for e in spec.entities] == entities
    assert feature in spec.features
    if integration is not None and noted is not None:
        assert integration in [i.requested for i in spec.integrations]
        assert any(noted in note for note in blueprint.notes)


def test_stripe_is_built_for_a_shop_stubbed_without_prices_and_mongodb_substituted() -> None:
    stripe = design("Crear e-commerce con pagos Stripe").spec.integrations
    assert [(i.requested, i.kind) for i in stripe] == [("Stripe", "substitution")]
    assert "Stripe Checkout with the official SDK" in stripe[0].provided
    assert "STRIPE_SECRET_KEY" in stripe[0].provided
    paypal = design("Tienda de bicicletas con productos con precio y pagos con PayPal").spec.integrations
    assert [(i.requested, i.kind) for i in paypal] == [("PayPal", "substitution")]
    assert paypal[0].provided.startswith("Stripe Checkout instead of PayPal")
    # Nothing with a price to charge: the checkout stays a stub that says so.
    donation = design("A donation page with payments").spec.integrations
    assert [(i.requested, i.kind) for i in donation] == [("Payments", "stub")]
    assert "charges nothing" in donation[0].provided
    mongo = design("API REST con MongoDB").spec.integrations
    assert [(i.requested, i.kind) for i in mongo] == [("MongoDB", "substitution")]
    assert "SQLite" in mongo[0].provided


def test_frontend_frameworks_and_messaging_are_recorded_not_dropped() -> None:
    spec = design(
        "A React + Tailwind booking app for a salon with services and appointments; send SMS reminders"
    ).spec
    requested = [i.requested for i in spec.integrations]
    assert "React" in requested and "Tailwind CSS" in requested and "SMS" in requested
    react = next(i for i in spec.integrations if i.requested == "React")
    assert react.kind == "substitution" and "vanilla JS" in react.provided


def test_dashboard_fallback_has_metric_entity_and_charts() -> None:
    spec = design("Dashboard con gráficos en tiempo real").spec
    metric = _entity(spec, "Metric")
    assert {f.name for f in metric.fields} >= {"name", "value", "category", "recorded_at"}
    assert 1 <= len(spec.charts) <= 4
    assert {"realtime", "dashboard"} <= set(spec.features)
    assert "/dashboard" in [p.path for p in spec.pages]
    line = next(c for c in spec.charts if c.kind == "line")
    assert line.metric == "sum" and line.value_field == "value" and line.group_by == "recorded_at"


def test_landing_page_has_contact_page_and_message_entity() -> None:
    spec = design("Landing page con formulario de contacto").spec
    assert "/contact" in [p.path for p in spec.pages]
    message = _entity(spec, "ContactMessage")
    assert message.label == "Mensaje de contacto"
    assert {"name", "email", "message"} <= {f.name for f in message.fields}


def test_blog_relations_point_comments_at_posts() -> None:
    spec = design("Blog con CMS y autenticación").spec
    comment = _entity(spec, "Comment")
    assert _targets(comment) == {"Post"}
    assert _targets(_entity(spec, "Post")) == {"Category"}


def test_search_and_filters_are_on_when_fields_allow() -> None:
    spec = design("Create a simple todo app").spec
    assert {"search", "filters"} <= set(spec.features)
    task = _entity(spec, "Task")
    assert task.field("priority").type == "enum"
    assert task.field("due_date").type == "date"


@pytest.mark.parametrize(
    ("prompt", "feature"),
    [
        ("A shop for shoes with login and sign up", "auth"),
        ("Una app de recetas con subida de imágenes", "file_upload"),
        ("Inventory of products with CSV export", "export"),
        ("A crm for leads with live updates", "realtime"),
        ("Una app de facturas con informes y estadísticas", "dashboard"),
        ("A portfolio of projects with a contact form", "contact_form"),
        ("Tickets for events with PayPal checkout", "payments"),
    ],
)
def test_features_from_keywords(prompt: str, feature: str) -> None:
    assert feature in design(prompt).spec.features


def test_unknown_nouns_after_manage_become_entities() -> None:
    spec = design("Quiero una app para gestionar mis gatos y perros").spec
    assert [(e.name, e.table, e.label_plural) for e in spec.entities] == [
        ("Gato", "gatos", "Gatos"),
        ("Perro", "perros", "Perros"),
    ]
    assert spec.name == "Gatos y perros"


@pytest.mark.parametrize("prompt", ["hola", "asdf qwerty", "hello there", "???", "1234 5678"])
def test_prompts_without_a_domain_are_rejected_with_advice(prompt: str) -> None:
    with pytest.raises(PromptRejected) as caught:
        design(prompt)
    assert caught.value.details["reason"] == "no_domain"
    assert "library" in caught.value.message or "biblioteca" in caught.value.message


def test_rejection_speaks_the_prompts_language() -> None:
    with pytest.raises(PromptRejected) as english:
        design("hello there, how are you")
    assert "Name the things" in english.value.message
    with pytest.raises(PromptRejected) as spanish:
        design("hola, ¿qué tal estás?")
    assert "Nombra las cosas" in spanish.value.message


def test_empty_prompt_is_rejected_by_clean_prompt() -> None:
    with pytest.raises(PromptRejected) as caught:
        design("   ")
    assert caught.value.details["reason"] == "empty"


@pytest.mark.parametrize(
    ("prompt", "language"),
    [
        ("API REST con MongoDB", "es"),
        ("Create a simple todo app", "en"),
        ("Dashboard con gráficos en tiempo real", "es"),
        ("a library system with books, members and loans", "en"),
        ("Blog", "es"),  # a tie goes to Spanish
    ],
)
def test_language_detection(prompt: str, language: str) -> None:
    assert design(prompt).spec.language == language


def test_design_is_deterministic_and_returns_a_blueprint() -> None:
    first = design(
        "A recipe site with recipes, reviews and categories. Use ivory background and teal buttons."
    )
    second = design(
        "A recipe site with recipes, reviews and categories. Use ivory background and teal buttons."
    )
    assert isinstance(first, Blueprint)
    assert first == second
    assert first.spec.to_json() == second.spec.to_json()
    assert all(isinstance(n, str) and n for n in first.notes)


def test_names_read_well() -> None:
    cases = {
        "Please implement a wheel of fortune website where users win prizes": "Wheel of Fortune",
        "Please implement a website for generating stock reports.": "Stock Reports",
        "Please implement an advanced to-do list web application.": "To-Do List",
        'Please implement a website called "World of Imagination" to share ideas.': "World of Imagination",
        "Una tienda online de ropa con productos y pedidos": "Tienda online de ropa",
    }
    for prompt, name in cases.items():
        assert design(prompt).spec.name == name


def test_a_pdf_request_gets_the_csv_export_it_is_promised() -> None:
    spec = design("A shop with products and invoices that can be printed as PDF").spec
    pdf = next(i for i in spec.integrations if i.requested == "PDF generation")
    assert (pdf.kind, pdf.provided) == ("substitution", "CSV export instead of PDF files")
    assert "export" in spec.features


def test_websockets_switch_the_live_updates_on() -> None:
    spec = design("A team directory with a websocket feed").spec
    assert "realtime" in spec.features
    assert any("by Server-Sent Events" in i.provided for i in spec.integrations)


@pytest.mark.parametrize(
    ("prompt", "chat", "title"),
    [
        ("A chat app with messages", "community", "Messages"),
        (
            "Please implement a technical website to display technical information and solutions. Users "
            "should be able to browse technical articles, search technical information, view solutions, "
            "and communicate with other users.",
            "community",
            "Chat",
        ),
        ("A gaming club site with chat rooms for its members", "community", "Chat Rooms"),
        ("Una web de recetas donde los usuarios pueden chatear con otros usuarios", "community", "Chat"),
        (
            "Please implement a website for a phone operator to display service plans and provide customer "
            "support. The website should have functionalities for displaying service plan details and an "
            "online customer support tool. Users should be able browse service plans, get help, manage "
            "their account information, and access their personal details.",
            "support",
            "Customer Support",
        ),
        ("Una tienda online de bicicletas con chat de atención al cliente", "support", "Atención al cliente"),
        ("A web shop for shoes with a help desk chat", "support", "Help Desk"),
    ],
)
def test_chat_words_build_a_chat_page(prompt: str, chat: str, title: str) -> None:
    blueprint = design(prompt)
    spec = blueprint.spec
    assert spec.chat == chat
    page = next(p for p in spec.pages if p.kind == "chat")
    assert page.title == title
    assert "chat" in spec.built_features or "support_chat" in spec.built_features
    # The chat is built: no "no chat window" stand-in, and no junk table made of its words.
    assert not [i for i in spec.integrations if i.requested == "Chat"]
    assert not {"OnlineCustomer", "CustomerSupport"} & {e.name for e in spec.entities}
    assert any(page.title in note for note in blueprint.notes)
    if chat == "support":
        assert "auth" in spec.features  # the staff who answer are administrators


def test_a_support_chat_drops_the_junk_entity_and_says_so() -> None:
    blueprint = design(
        "A website for a phone operator with service plans and an online customer support tool."
    )
    names = [e.name for e in blueprint.spec.entities]
    assert "OnlineCustomer" not in names and "ServicePlan" in names
    assert [p.path for p in blueprint.spec.pages if p.kind == "chat"] == ["/support"]


@pytest.mark.parametrize(
    "prompt",
    [
        "A blog where users comment on posts",
        "A CRM with customers, contacts and deals",
        "Un foro donde los usuarios publican ideas y las comentan",
        "A library with books, members and loans",
    ],
)
def test_no_chat_without_chat_words(prompt: str) -> None:
    spec = design(prompt).spec
    assert spec.chat is None
    assert not [p for p in spec.pages if p.kind == "chat"]


def test_video_calls_stay_a_stub_beside_the_chat() -> None:
    spec = design("A tutoring site with chat rooms and video calls").spec
    assert spec.chat == "community"
    video = next(i for i in spec.integrations if i.requested == "Video calls")
    assert video.kind == "stub" and "chat" in spec.built_features


def test_accounts_and_uploads_are_built_and_never_listed_as_stubs() -> None:
    spec = design("A photo gallery where users log in and upload photos").spec
    assert {"auth", "file_upload"} <= set(spec.built_features)
    assert spec.upload_fields  # a photo field takes the uploads
    assert not [i for i in spec.integrations if i.kind == "stub"]


def test_uploads_with_no_field_to_hold_them_are_a_stub_never_claimed() -> None:
    spec = design("A job board where candidates upload their CV as a PDF").spec
    assert "file_upload" in spec.stubbed_features and not spec.upload_fields
    stubs = {i.requested: i for i in spec.integrations if i.kind == "stub"}
    assert (
        stubs["File uploads"].provided == "not generated offline: no upload storage; files cannot be attached"
    )
    assert "upload" not in spec.summary
    without_links = design("A task list where users upload files").spec
    uploads = next(i for i in without_links.integrations if i.requested == "File uploads")
    assert uploads.provided == "not generated offline: no upload storage; files cannot be attached"


def test_social_login_is_a_stub_and_accounts_use_e_mail_and_password() -> None:
    spec = design("A blog with posts and Google login").spec
    social = next(i for i in spec.integrations if i.requested == "Social login")
    assert social.kind == "stub"
    assert "no social login; accounts sign in with e-mail and password" in social.provided
    assert "auth" in spec.built_features


def test_reserved_names_never_come_out_of_the_architect() -> None:
    spec = design("a CRM with customers including sa, dt, query and metadata").spec
    names = {f.name for f in spec.entity("Customer").fields}
    assert names.isdisjoint(RESERVED_FIELDS)
    assert {"sa_value", "dt_value"} <= names
    lex = lexicon()
    for words in (("checkout", "payment"), ("stat",), ("checkout",)):
        plural = " ".join(words) + "s"
        noun = UnknownNoun(key=plural, singular=" ".join(words), plural=plural, folded_plural=plural)
        draft = draft_for(plural, lex, {plural: noun}, "en")
        assert draft.name not in RESERVED_ENTITIES and draft.table not in RESERVED_TABLES, draft


@pytest.mark.parametrize(
    ("prompt", "voted"),
    [
        ("A photo gallery where users upload pictures and vote on them", ["Picture"]),
        ("A recipe site with recipes and authors; users can like recipes", ["Recipe"]),
        ("Un foro con socios e ideas, donde los socios votan las ideas", ["Idea"]),
        # "vote on content": no entity is named, so the first one that is not a person
        ("A social site with members (name, email) and photos where people vote on content", ["Photo"]),
    ],
)
def test_votes_go_to_what_the_prompt_says_people_vote_for(prompt: str, voted: list[str]) -> None:
    spec = design(prompt).spec
    assert "votes" in spec.built_features
    assert [e.name for e in spec.voted] == voted


def test_votes_are_not_claimed_when_only_the_voting_itself_is_named() -> None:
    spec = design("A polls website to cast votes and view voting results").spec
    assert "votes" not in spec.features and not spec.voted
    assert "with votes" not in spec.summary  # the Vote records are listed, not claimed as a feature


def test_user_accounts_are_the_accounts_feature_not_records() -> None:
    spec = design("A blog with posts, user accounts and a contact form").spec
    assert "auth" in spec.features
    assert [e.name for e in spec.entities] == ["Post", "ContactMessage"]
    spec = design("Una tienda con productos y cuentas de usuario").spec
    assert "auth" in spec.features and "CuentaDeUsuario" not in [e.name for e in spec.entities]


def test_reports_with_a_dashboard_are_computed_not_typed_in() -> None:
    blueprint = design("A helpdesk with calls and customers. Staff generate reports of the calls.")
    spec = blueprint.spec
    assert "Report" not in [e.name for e in spec.entities]
    assert [p.title for p in spec.pages if p.kind == "dashboard"] == ["Reports"]
    assert any("computed from the data" in line for line in blueprint.notes)
    # A report of something ("stock reports") stays a record of its own.
    assert "StockReport" in [e.name for e in design("A stock app to generate stock reports").spec.entities]


def test_a_vote_count_kept_by_hand_gives_way_to_real_votes() -> None:
    spec = design("Un foro donde los usuarios publican ideas y votan las mejores").spec
    idea = spec.entity("Idea")
    assert idea.votes and "votes" not in [f.name for f in idea.fields]


def test_switching_votes_on_by_a_change_picks_what_is_voted_for() -> None:
    from autocrea.blueprint.amendment import ChangeNotUnderstood, SetFeature, amend

    spec = amend(design("A recipe site with recipes and authors").spec, [SetFeature("votes", True)])
    assert [e.name for e in spec.voted] == ["Recipe"]
    people = design("A club app to keep track of members with name and email").spec
    with pytest.raises(ChangeNotUnderstood, match="nothing to vote for"):
        amend(people, [SetFeature("votes", True)])


def test_a_name_made_of_another_entitys_name_links_to_it() -> None:
    spec = design("Travel agency: customers, golf packages and customer preferences").spec
    assert [r.target for r in spec.entity("CustomerPreference").relations] == ["Customer"]
    shop = design("A shop with products and product categories").spec
    assert [r.target for r in shop.entity("Product").relations] == ["ProductCategory"]
    assert not shop.entity("ProductCategory").relations


@pytest.mark.parametrize(
    ("prompt", "contact"),
    [
        ("A consulting business website with workshops, podcasts and a blog", True),
        ("Web de una consultoría con servicios y talleres", True),
        ("A photography portfolio with photos and albums", True),
        ("A one-page website for our charity run with sponsors and testimonials", True),
        ("A detective agency case management app for cases and work hours", False),
        ("A library system with books, members and loans", False),
    ],
)
def test_a_company_site_or_portfolio_has_a_contact_page_whatever_else_it_lists(
    prompt: str, contact: bool
) -> None:
    blueprint = design(prompt)
    spec = blueprint.spec
    assert ("contact_form" in spec.features) is contact
    assert any(p.kind == "contact" for p in spec.pages) is contact
    if contact:  # the log says why the messages table is there
        assert any("contact" in n.lower() or "contacto" in n.lower() for n in blueprint.notes)
        assert unmatched_entities(prompt, blueprint) == []


@pytest.mark.parametrize(
    ("prompt", "points"),
    [
        ("A social website where users upload pictures and earn points", True),
        ("Una comunidad de recetas donde los usuarios publican recetas y ganan puntos", True),
        ("A quiz club with a reward points system for members", True),
        ("A travel guide with points of interest on a map", False),
        ("A basketball league that records the points scored in each game", False),
    ],
)
def test_earning_points_gives_accounts_and_a_leaderboard(prompt: str, points: bool) -> None:
    spec = design(prompt).spec
    assert ("points" in spec.features) is points
    assert spec.points is points
    if points:  # points are earned by accounts
        assert "auth" in spec.features
        assert "points" in spec.built_features


@pytest.mark.parametrize(
    ("prompt", "invites"),
    [
        ("A social website where users register and invite friends to join", True),
        ("Una comunidad de recetas donde los usuarios invitan a sus amigos", True),
        ("A project tool where managers invite team members", True),
        ("A wedding planner with guests and invitations", False),
        ("An app to send party invitations to guests", False),
    ],
)
def test_inviting_people_to_join_gives_accounts_and_invitation_links(prompt: str, invites: bool) -> None:
    spec = design(prompt).spec
    assert spec.invites is invites
    if invites:  # invitations come from accounts
        assert "auth" in spec.features and "invites" in spec.built_features
    else:  # invitations there are records of the app
        assert "invites" not in spec.features


def test_chat_rooms_are_the_chats_but_a_hotels_rooms_are_records() -> None:
    club = design("A gaming club site with chat rooms for its members who log in").spec
    assert club.chat == "community" and "Room" not in {e.name for e in club.entities}
    hotel = design("A hotel booking site with rooms, guests and a live chat").spec
    assert hotel.chat == "community" and "Room" in {e.name for e in hotel.entities}
