"""UI and message strings of generated apps, in every language an AppSpec may ask for.

`text()` gives final text. `message()` gives a `str.format` template for the generated code to fill
at run time: the values known now are put in (their braces escaped), the rest stay as `{name}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from autocrea.domain.appspec import Language

_EN: dict[str, str] = {
    # layout and navigation
    "skip_to_content": "Skip to content",
    "nav_label": "Main navigation",
    "nav_home": "Home",
    "footer": "Generated with AUTOCREA.",
    # home
    "records": "records",
    "open_page": "Open",
    "integrations_title": "Integrations",
    # lists
    "search_label": "Search",
    "search_placeholder": "Search {label_plural}…",
    "filters_label": "Filters",
    "filter_all": "All",
    "yes": "Yes",
    "no": "No",
    "none": "—",
    "actions": "Actions",
    "new": "New {label}",
    "edit": "Edit",
    "delete": "Delete",
    "save": "Save",
    "cancel": "Cancel",
    "confirm_delete": "Delete this {label}? This cannot be undone.",
    "created": "{label} created.",
    "saved": "Changes saved.",
    "deleted": "{label} deleted.",
    "previous": "Previous",
    "next": "Next",
    "page_of": "Page {page} of {pages}",
    "results": "{total} results",
    "loading": "Loading…",
    "no_results": "Nothing here yet.",
    "error_generic": "Something went wrong. Please try again.",
    "error_network": "The server could not be reached. Check your connection and try again.",
    "form_new": "New {label}",
    "form_edit": "Edit {label}",
    "required": "required",
    "choose": "Choose…",
    "sort_by": "Sort by {field}",
    "fix_errors": "Please correct the marked fields.",
    "buy": "Buy",
    "export_csv": "Export CSV",
    "live": "Live: updates as data changes",
    "live_paused": "Live updates paused",
    "auth_login": "Log in",
    "record_breadcrumbs": "You are here",
    "record_back": "Back",
    "browse_by": "Browse by {field}",
    "print": "Print",
    "record_page_title": "Record",
    "upload_choose": "Or upload a file (photo or PDF)",
    "uploading": "Uploading…",
    "uploaded": "Uploaded. Save to keep it.",
    "vote": "Vote for {label}",
    "votes": "Votes",
    "readme_points": (
        "Points: an account earns {per_record} points for each record it adds and {per_vote} for each vote "
        "its records get; the leaderboard (/leaderboard, `GET /api/points`) ranks the accounts. Points are "
        "counted from the records themselves, so deleting a record takes its points back. See app/points.py."
    ),
    "invite_page": "Invite friends",
    "invite_rules": "Invite someone by e-mail: you get a link to send them (this app sends no e-mail).",
    "invite_points": "You earn {per_invite} points when they join.",
    "invite_heading": "Who do you want to invite?",
    "invite_send": "Create the invitation",
    "invite_created": "Invitation ready. Send this link to them:",
    "invite_link": "Invitation link",
    "invite_copy": "Copy the link",
    "invite_copied": "Link copied.",
    "invite_list": "Your invitations",
    "invite_none": "You have not invited anyone yet.",
    "invite_joined": "joined",
    "invite_pending": "has not joined yet",
    "invited_by": "{name} invited you: create your account to join.",
    "invite_already": "You have already invited this address.",
    "invite_member": "This address already has an account.",
    "invite_unknown": "This invitation does not exist or was already used.",
    "invite_too_many": "You have too many invitations waiting: wait for some to join.",
    "readme_invites": (
        "Invitations: an account invites someone by e-mail address and gets a link to send them "
        "(`POST /api/invites`; the app sends no e-mail); registering through the link accepts it. See "
        "app/invites.py."
    ),
    "points": "Points",
    "points_short": "{points} pts",
    "points_page": "Leaderboard",
    "points_rules": "You earn {per_record} points for each thing you add{votes}{invites}.",
    "points_rules_invites": ", and {per_invite} for each person you invite who joins",
    "points_rules_votes": " and {per_vote} for each vote it gets",
    "points_yours": "Your points: {points}",
    "points_rank": "Rank",
    "points_name": "Name",
    "points_none": "Nobody has points yet: add something to be the first.",
    "readme_votes": (
        "Votes: one per person and record (`POST /api/votes/<table>/<id>` casts or takes back a vote); "
        "the count is the record's `vote_count`, and lists sort by it (`sort=-vote_count`). See app/votes.py."
    ),
    "readme_chat_community": (
        "Chat: rooms (`GET /api/chat/rooms`, `GET`/`POST /api/chat/rooms/<room>`); new messages reach "
        "open pages through `/api/live`. At most 2000 characters a message and 10 a minute per person. "
        "See app/chat.py."
    ),
    "readme_chat_support": (
        "Customer support: each visitor's own conversation (`GET`/`POST /api/chat/support`), with an "
        "automatic first reply that says it is automatic; administrators list, answer and close "
        "conversations (`/api/chat/conversations`). Answers appear live. See app/chat.py."
    ),
    "upload_too_large": "The file is too large: at most {limit} MB.",
    "upload_unsupported": "Only PNG, JPEG, GIF or WebP images and PDF documents can be uploaded.",
    "upload_empty": "The file is empty.",
    "upload_not_found": "There is no such file.",
    "readme_uploads": (
        "Uploads: photo and document fields take a file (PNG, JPEG, GIF, WebP or PDF, at most "
        "`UPLOAD_MAX_BYTES`, 5 MB by default), stored in `UPLOAD_DIR` (`./data/uploads`) and served "
        "so that it can never run as a page or a script (app/uploads.py)."
    ),
    "record_missing": "This record does not exist (any more).",
    "auth_logout": "Log out",
    "auth_register": "Create an account",
    "auth_email": "E-mail",
    "auth_password": "Password",
    "auth_name": "Name",
    "auth_password_hint": "At least 8 characters.",
    "auth_intro": "Log in to add records and to change your own. Anyone can read them.",
    "auth_page_title": "Log in",
    "auth_login_required": "Log in to do this.",
    "auth_not_yours": "Only its author or an administrator can change this.",
    "auth_bad_csrf": "This request lacks the page's security token. Reload the page and try again.",
    "auth_email_taken": "There is already an account with this e-mail.",
    "auth_wrong_password": "The current password is not right.",
    "auth_admin_only": "Only an administrator can see this.",
    "profile_title": "My profile",
    "profile_avatar": "Profile picture",
    "avatar_names": "Fox,Owl,Cat,Panda,Koala,Lion,Frog,Bear,Mouse,Bunny,Pig,Penguin",
    "profile_name_heading": "Your name",
    "profile_save": "Save",
    "profile_saved": "Saved.",
    "profile_password": "Change the password",
    "profile_current_password": "Current password",
    "profile_new_password": "New password",
    "profile_signin_changed": "Password changed. Your other devices were logged out.",
    "profile_records": "What you have created",
    "profile_none": "Nothing yet.",
    "profile_more": "Showing {shown} of {total}.",
    "profile_admin": "Administrator",
    "profile_member": "Member",
    "profile_since": "Member since {date}",
    "auth_bad_login": "Wrong e-mail or password.",
    "readme_auth": (
        "Accounts: register and log in at `/login` (e-mail and password, hashed with Argon2). The "
        "first account is the administrator. Anyone may read the records; only their author or an "
        "administrator may change or delete them. Sessions are HttpOnly cookies; changes carry a CSRF "
        "token (app/accounts.py)."
    ),
    # dashboard
    "dashboard_empty": "There are no charts yet.",
    "chart_no_data": "No data yet.",
    "chart_data": "Data",
    "chart_label": "Group",
    "chart_value": "Value",
    # chat (app/chat.py, app/static/chat.js)
    "chat_intro_community": "Talk with other people here. New messages appear as they are sent.",
    "chat_intro_support": (
        "Write to us here: an agent answers in this conversation, which only you and our staff see."
    ),
    "chat_rooms": "Rooms",
    "chat_room_general": "General",
    "chat_room_help": "Help",
    "chat_room_random": "Off-topic",
    "chat_welcome": "Welcome to {room}! Messages here are visible to everyone on this page.",
    "chat_welcome_author": "Welcome",
    "chat_your_conversation": "Your conversation",
    "chat_conversations": "Open conversations",
    "chat_none_open": "No open conversations.",
    "chat_your_name": "Your name",
    "chat_message": "Message",
    "chat_placeholder": "Write a message… (Enter sends, Shift+Enter for a new line)",
    "chat_send": "Send",
    "chat_close": "Close conversation",
    "chat_closed_note": "This conversation is closed.",
    "chat_automatic": "automatic",
    "chat_you": "You",
    "chat_staff": "Support team",
    "chat_visitor": "Visitor",
    "chat_empty": "Write a message first.",
    "chat_too_long": "A message can have at most {max} characters.",
    "chat_too_fast": "You are sending messages too fast. Wait a minute and try again.",
    "chat_no_name": "Enter a display name of at most {max} characters.",
    "chat_name_needed": "Enter your name before sending.",
    "chat_login_to_post": "Log in to post messages.",
    "chat_not_found": "That chat does not exist.",
    "chat_closed": "This conversation is closed.",
    "chat_auto_reply": "This is an automatic reply: thanks, we have your message; an agent will answer here.",
    "chat_auto_links": "These help pages may answer it already:",
    # contact
    "contact_intro": "Send us a message and we will get back to you.",
    "contact_send": "Send message",
    "contact_sent": "Thank you! Your message was sent.",
    "form_intro": "Fill in the form and send it. Fields marked * are required.",
    "form_send": "Send",
    "form_sent": "Thank you! Your answers were received.",
    "form_home_title": "{label}: fill in the form",
    # validation messages shown by the UI, keyed by the API's error `type`
    "err_missing": "This field is required.",
    "err_too_long": "Use at most {max_length} characters.",
    "err_too_short": "Use at least {min_length} characters.",
    "err_choice": "Choose one of the options.",
    "err_integer": "Enter a whole number.",
    "err_number": "Enter a number.",
    "err_min": "Enter {ge} or more.",
    "err_boolean": "Choose yes or no.",
    "err_date": "Enter a valid date.",
    "err_datetime": "Enter a valid date and time.",
    # API messages (formatted by the generated code)
    "api_validation": "Some fields are not valid.",
    "api_not_found": "There is no {label} with id {id}.",
    "api_route_not_found": "Not found.",
    "api_method": "Method not allowed.",
    "api_internal": "Internal server error.",
    "api_unique": "Another {label} already has this {field}.",
    "api_conflict": "The change conflicts with existing data.",
    "api_unknown_reference": "There is no {target} with id {id}.",
    "api_in_use": "This {label} is used by {count} {other}; change or delete those first.",
    "api_bad_sort": "Unknown sort column {sort!r}; use one of: {allowed}.",
    "api_email": "Enter a valid email address.",
    "api_url": "Enter a valid address starting with http:// or https://.",
    "api_phone": "Enter a valid phone number.",
    "api_required": "This field is required.",
    "api_checkout_stub": (
        "Payments are simulated: a pending payment was recorded and no money was charged. "
        "Connect a real provider in app/routers/checkout.py."
    ),
    "payment_label": "payment",
    "stats_none": "(none)",
    # README
    "readme_run": "Run it",
    "readme_run_intro": "You need Python 3.11 or newer.",
    "readme_open": "Then open http://127.0.0.1:8000 in a browser. The API documentation is at /docs.",
    "readme_docker": "With Docker",
    "readme_test": "Tests",
    "readme_config": "Configuration",
    "readme_config_intro": "Settings come from environment variables (see `.env.example`):",
    "readme_database_url": (
        "SQLAlchemy URL of the database. Default: a SQLite file in `./data/`. "
        "For PostgreSQL install `{psycopg}` and use `postgresql+psycopg://<user>:<password>@<host>/<db>`."
    ),
    "readme_sample_data": (
        "`1` (default) or `0`. On its first start, with every table empty, the app adds a few sample "
        "records so it is never empty (app/sample_data.py). They are added once: delete them and they "
        "do not come back. `0` (or `false`, `off`) starts empty."
    ),
    "sample_value": "{label} {n}",
    "readme_pages": "Pages",
    "readme_entities": "Data",
    "readme_column_entity": "Entity",
    "readme_column_api": "API",
    "readme_column_fields": "Fields",
    "readme_api": "API",
    "readme_api_intro": (
        "Every entity has `GET` (list with `page`, `page_size` ≤ 100, `q`, filters and `sort`), "
        "`POST`, and `GET`/`PUT`/`PATCH`/`DELETE` by id. Errors always have the shape "
        '`{"error": {"code", "message", "details"}}`.'
    ),
    "readme_export": (
        "`GET /api/<table>/export.csv` downloads every row the list matches (same `q`, filters and "
        "`sort`, no pages) as a CSV file."
    ),
    "readme_live": (
        "List and dashboard pages update the moment data changes: the app announces every change as "
        "a Server-Sent Event on `/api/live` (one server process; see app/events.py)."
    ),
    "readme_integrations": "Integrations and substitutions",
    "readme_integrations_intro": "What was asked for and what this project provides instead:",
    "readme_stub": "stub",
    "readme_substitution": "substitution",
    "readme_layout": "Project layout",
    "readme_prompt": "Original description",
    "layout_main": "FastAPI app, error handlers, routers",
    "layout_database": "engine, sessions, DATABASE_URL",
    "layout_models": "database tables (SQLAlchemy)",
    "layout_schemas": "request and response bodies, validation",
    "layout_crud": "shared lookups and checks",
    "layout_errors": "the JSON error shape",
    "layout_routers": "one API module per entity",
    "layout_stats": "numbers behind the dashboard charts",
    "layout_export": "CSV export of the lists",
    "layout_sample_data": "sample records added on the first start",
    "layout_pages": "HTML pages",
    "layout_templates": "the pages' HTML",
    "layout_static": "app.js, charts.js, styles.css",
    "layout_tests": "pytest suite",
}

_ES: dict[str, str] = {
    "skip_to_content": "Saltar al contenido",
    "nav_label": "Navegación principal",
    "nav_home": "Inicio",
    "footer": "Generado con AUTOCREA.",
    "records": "registros",
    "open_page": "Abrir",
    "integrations_title": "Integraciones",
    "search_label": "Buscar",
    "search_placeholder": "Buscar {label_plural}…",
    "filters_label": "Filtros",
    "filter_all": "Todos",
    "yes": "Sí",
    "no": "No",
    "none": "—",
    "actions": "Acciones",
    "new": "Nuevo: {label}",
    "edit": "Editar",
    "delete": "Eliminar",
    "save": "Guardar",
    "cancel": "Cancelar",
    "confirm_delete": "¿Eliminar este registro ({label})? No se puede deshacer.",
    "created": "Registro creado ({label}).",
    "saved": "Cambios guardados.",
    "deleted": "Registro eliminado ({label}).",
    "previous": "Anterior",
    "next": "Siguiente",
    "page_of": "Página {page} de {pages}",
    "results": "{total} resultados",
    "loading": "Cargando…",
    "no_results": "Todavía no hay nada aquí.",
    "error_generic": "Algo salió mal. Inténtalo de nuevo.",
    "error_network": "No se pudo contactar con el servidor. Revisa la conexión e inténtalo de nuevo.",
    "form_new": "Nuevo: {label}",
    "form_edit": "Editar: {label}",
    "required": "obligatorio",
    "choose": "Elige…",
    "sort_by": "Ordenar por {field}",
    "fix_errors": "Corrige los campos marcados.",
    "buy": "Comprar",
    "export_csv": "Exportar CSV",
    "live": "En directo: se actualiza al momento",
    "live_paused": "Actualización en pausa",
    "auth_login": "Entrar",
    "record_breadcrumbs": "Estás aquí",
    "record_back": "Volver",
    "browse_by": "Explorar por {field}",
    "print": "Imprimir",
    "record_page_title": "Registro",
    "upload_choose": "O sube un fichero (foto o PDF)",
    "uploading": "Subiendo…",
    "uploaded": "Subido. Guarda para conservarlo.",
    "vote": "Votar por {label}",
    "votes": "Votos",
    "readme_points": (
        "Puntos: una cuenta gana {per_record} puntos por cada registro que añade y {per_vote} por cada voto "
        "que reciben sus registros; la clasificación (/leaderboard, `GET /api/points`) ordena las cuentas. "
        "Se cuentan a partir de los propios registros: borrar uno le quita sus puntos. Ver app/points.py."
    ),
    "invite_page": "Invitar amigos",
    "invite_rules": (
        "Invita a alguien por su correo: recibes un enlace para enviárselo (esta app no envía correos)."
    ),
    "invite_points": "Ganas {per_invite} puntos cuando se une.",
    "invite_heading": "¿A quién quieres invitar?",
    "invite_send": "Crear la invitación",
    "invite_created": "Invitación lista. Envíale este enlace:",
    "invite_link": "Enlace de invitación",
    "invite_copy": "Copiar el enlace",
    "invite_copied": "Enlace copiado.",
    "invite_list": "Tus invitaciones",
    "invite_none": "Todavía no has invitado a nadie.",
    "invite_joined": "se ha unido",
    "invite_pending": "aún no se ha unido",
    "invited_by": "{name} te ha invitado: crea tu cuenta para unirte.",
    "invite_already": "Ya has invitado a esta dirección.",
    "invite_member": "Esta dirección ya tiene una cuenta.",
    "invite_unknown": "Esta invitación no existe o ya se ha usado.",
    "invite_too_many": "Tienes demasiadas invitaciones pendientes: espera a que se unan.",
    "readme_invites": (
        "Invitaciones: una cuenta invita a alguien por su correo y recibe un enlace para enviárselo "
        "(`POST /api/invites`; la app no envía correos); al registrarse con el enlace, se acepta. Ver "
        "app/invites.py."
    ),
    "points": "Puntos",
    "points_short": "{points} pts",
    "points_page": "Clasificación",
    "points_rules": "Ganas {per_record} puntos por cada cosa que añades{votes}{invites}.",
    "points_rules_invites": ", y {per_invite} por cada persona que invitas y se une",
    "points_rules_votes": " y {per_vote} por cada voto que recibe",
    "points_yours": "Tus puntos: {points}",
    "points_rank": "Puesto",
    "points_name": "Nombre",
    "points_none": "Nadie tiene puntos todavía: añade algo y sé el primero.",
    "readme_chat_community": (
        "Chat: salas (`GET /api/chat/rooms`, `GET`/`POST /api/chat/rooms/<sala>`); los mensajes nuevos "
        "llegan a las páginas abiertas por `/api/live`. Como máximo 2000 caracteres por mensaje y 10 "
        "por minuto y persona. Ver app/chat.py."
    ),
    "readme_chat_support": (
        "Atención al cliente: cada visitante tiene su conversación (`GET`/`POST /api/chat/support`), con "
        "una primera respuesta automática que dice que lo es; los administradores ven, responden y "
        "cierran las conversaciones (`/api/chat/conversations`). Las respuestas llegan al momento. Ver "
        "app/chat.py."
    ),
    "readme_votes": (
        "Votos: uno por persona y registro (`POST /api/votes/<tabla>/<id>` vota o retira el voto); el "
        "recuento es el `vote_count` del registro y las listas se ordenan por él (`sort=-vote_count`). "
        "Ver app/votes.py."
    ),
    "upload_too_large": "El fichero es demasiado grande: como máximo {limit} MB.",
    "upload_unsupported": "Solo se pueden subir imágenes PNG, JPEG, GIF o WebP y documentos PDF.",
    "upload_empty": "El fichero está vacío.",
    "upload_not_found": "No existe ese fichero.",
    "readme_uploads": (
        "Subidas: los campos de foto y de documento admiten un fichero (PNG, JPEG, GIF, WebP o PDF, "
        "como máximo `UPLOAD_MAX_BYTES`, 5 MB por defecto), guardado en `UPLOAD_DIR` "
        "(`./data/uploads`) y servido de forma que nunca pueda ejecutarse como página ni como script "
        "(app/uploads.py)."
    ),
    "record_missing": "Este registro no existe (o ya no existe).",
    "auth_logout": "Salir",
    "auth_register": "Crear una cuenta",
    "auth_email": "Correo electrónico",
    "auth_password": "Contraseña",
    "auth_name": "Nombre",
    "auth_password_hint": "Al menos 8 caracteres.",
    "auth_intro": "Entra para añadir registros y cambiar los tuyos. Cualquiera puede leerlos.",
    "auth_page_title": "Entrar",
    "auth_login_required": "Entra con tu cuenta para hacer esto.",
    "auth_not_yours": "Solo su autor o un administrador puede cambiar esto.",
    "auth_bad_csrf": (
        "A esta petición le falta el token de seguridad de la página. Recarga la página y vuelve a "
        "intentarlo."
    ),
    "auth_email_taken": "Ya hay una cuenta con este correo.",
    "auth_wrong_password": "La contraseña actual no es correcta.",
    "auth_admin_only": "Solo la administración puede ver esto.",
    "profile_title": "Mi perfil",
    "profile_avatar": "Imagen de perfil",
    "avatar_names": "Zorro,Búho,Gato,Panda,Koala,León,Rana,Oso,Ratón,Conejo,Cerdito,Pingüino",
    "profile_name_heading": "Tu nombre",
    "profile_save": "Guardar",
    "profile_saved": "Guardado.",
    "profile_password": "Cambiar la contraseña",
    "profile_current_password": "Contraseña actual",
    "profile_new_password": "Nueva contraseña",
    "profile_signin_changed": "Contraseña cambiada. Se ha cerrado la sesión en tus otros dispositivos.",
    "profile_records": "Lo que has creado",
    "profile_none": "Todavía nada.",
    "profile_more": "Se muestran {shown} de {total}.",
    "profile_admin": "Con permisos de administración",
    "profile_member": "Miembro",
    "profile_since": "Miembro desde el {date}",
    "auth_bad_login": "Correo o contraseña incorrectos.",
    "readme_auth": (
        "Cuentas: registro y entrada en `/login` (correo y contraseña, guardada como hash Argon2). La "
        "primera cuenta es la de administración. Cualquiera puede leer los registros; solo su autor o "
        "un administrador puede cambiarlos o borrarlos. Las sesiones son cookies HttpOnly; los cambios "
        "llevan un token CSRF (app/accounts.py)."
    ),
    "dashboard_empty": "Todavía no hay gráficos.",
    "chart_no_data": "Todavía no hay datos.",
    "chart_data": "Datos",
    "chart_label": "Grupo",
    "chart_value": "Valor",
    # chat (app/chat.py, app/static/chat.js)
    "chat_intro_community": "Habla aquí con otras personas. Los mensajes nuevos aparecen al momento.",
    "chat_intro_support": (
        "Escríbenos aquí: un agente te responde en esta conversación, que solo ves tú y nuestro equipo."
    ),
    "chat_rooms": "Salas",
    "chat_room_general": "General",
    "chat_room_help": "Ayuda",
    "chat_room_random": "Charla libre",
    "chat_welcome": (
        "¡Te damos la bienvenida a {room}! Los mensajes de aquí los ve todo el que abre esta página."
    ),
    "chat_welcome_author": "Bienvenida",
    "chat_your_conversation": "Tu conversación",
    "chat_conversations": "Conversaciones abiertas",
    "chat_none_open": "No hay conversaciones abiertas.",
    "chat_your_name": "Tu nombre",
    "chat_message": "Mensaje",
    "chat_placeholder": "Escribe un mensaje… (Intro envía, Mayús+Intro para una línea nueva)",
    "chat_send": "Enviar",
    "chat_close": "Cerrar conversación",
    "chat_closed_note": "Esta conversación está cerrada.",
    "chat_automatic": "automático",
    "chat_you": "Tú",
    "chat_staff": "Equipo de soporte",
    "chat_visitor": "Visitante",
    "chat_empty": "Escribe un mensaje primero.",
    "chat_too_long": "Un mensaje puede tener como máximo {max} caracteres.",
    "chat_too_fast": "Estás enviando mensajes demasiado rápido. Espera un minuto y vuelve a intentarlo.",
    "chat_no_name": "Escribe un nombre visible de {max} caracteres como máximo.",
    "chat_name_needed": "Escribe tu nombre antes de enviar.",
    "chat_login_to_post": "Inicia sesión para escribir mensajes.",
    "chat_not_found": "Ese chat no existe.",
    "chat_closed": "Esta conversación está cerrada.",
    "chat_auto_reply": (
        "Respuesta automática: gracias, hemos recibido tu mensaje; un agente te responderá aquí."
    ),
    "chat_auto_links": "Estas páginas de ayuda quizá ya lo respondan:",
    "contact_intro": "Envíanos un mensaje y te responderemos pronto.",
    "contact_send": "Enviar mensaje",
    "contact_sent": "¡Gracias! Tu mensaje se ha enviado.",
    "form_intro": "Rellena el formulario y envíalo. Los campos marcados con * son obligatorios.",
    "form_send": "Enviar",
    "form_sent": "¡Gracias! Hemos recibido tus respuestas.",
    "form_home_title": "{label}: rellena el formulario",
    "err_missing": "Este campo es obligatorio.",
    "err_too_long": "Usa como máximo {max_length} caracteres.",
    "err_too_short": "Usa al menos {min_length} caracteres.",
    "err_choice": "Elige una de las opciones.",
    "err_integer": "Introduce un número entero.",
    "err_number": "Introduce un número.",
    "err_min": "Introduce {ge} o más.",
    "err_boolean": "Elige sí o no.",
    "err_date": "Introduce una fecha válida.",
    "err_datetime": "Introduce una fecha y hora válidas.",
    "api_validation": "Algunos campos no son válidos.",
    "api_not_found": "No existe {label} con id {id}.",
    "api_route_not_found": "No encontrado.",
    "api_method": "Método no permitido.",
    "api_internal": "Error interno del servidor.",
    "api_unique": "Ya existe otro registro ({label}) con este valor en «{field}».",
    "api_conflict": "El cambio entra en conflicto con datos existentes.",
    "api_unknown_reference": "No existe {target} con id {id}.",
    "api_in_use": "Este registro ({label}) está en uso por {count} {other}; cámbialos o elimínalos antes.",
    "api_bad_sort": "Columna de orden desconocida {sort!r}; usa una de: {allowed}.",
    "api_email": "Introduce un correo electrónico válido.",
    "api_url": "Introduce una dirección válida que empiece por http:// o https://.",
    "api_phone": "Introduce un número de teléfono válido.",
    "api_required": "Este campo es obligatorio.",
    "api_checkout_stub": (
        "Los pagos están simulados: se registró un pago pendiente y no se cobró dinero. "
        "Conecta un proveedor real en app/routers/checkout.py."
    ),
    "payment_label": "pago",
    "stats_none": "(sin valor)",
    "readme_run": "Cómo ejecutarla",
    "readme_run_intro": "Necesitas Python 3.11 o posterior.",
    "readme_open": (
        "Después abre http://127.0.0.1:8000 en el navegador. La documentación de la API está en /docs."
    ),
    "readme_docker": "Con Docker",
    "readme_test": "Pruebas",
    "readme_config": "Configuración",
    "readme_config_intro": "La configuración se lee de variables de entorno (ver `.env.example`):",
    "readme_database_url": (
        "URL de SQLAlchemy de la base de datos. Por defecto: un fichero SQLite en `./data/`. "
        "Para PostgreSQL instala `{psycopg}` y usa `postgresql+psycopg://<usuario>:<clave>@<host>/<bd>`."
    ),
    "readme_sample_data": (
        "`1` (por defecto) o `0`. En su primer arranque, con todas las tablas vacías, la app añade unos "
        "registros de ejemplo para no estar nunca vacía (app/sample_data.py). Se añaden una sola vez: si "
        "los borras, no vuelven. `0` (o `false`, `off`) arranca vacía."
    ),
    "sample_value": "{label} {n}",
    "readme_pages": "Páginas",
    "readme_entities": "Datos",
    "readme_column_entity": "Entidad",
    "readme_column_api": "API",
    "readme_column_fields": "Campos",
    "readme_api": "API",
    "readme_api_intro": (
        "Cada entidad tiene `GET` (lista con `page`, `page_size` ≤ 100, `q`, filtros y `sort`), "
        "`POST`, y `GET`/`PUT`/`PATCH`/`DELETE` por id. Los errores siempre tienen la forma "
        '`{"error": {"code", "message", "details"}}`.'
    ),
    "readme_export": (
        "`GET /api/<tabla>/export.csv` descarga todas las filas que encuentra la lista (mismos `q`, "
        "filtros y `sort`, sin páginas) como fichero CSV."
    ),
    "readme_live": (
        "Las páginas de listas y el panel se actualizan en cuanto cambian los datos: la app anuncia "
        "cada cambio como Server-Sent Event en `/api/live` (un solo proceso de servidor; ver "
        "app/events.py)."
    ),
    "readme_integrations": "Integraciones y sustituciones",
    "readme_integrations_intro": "Lo que se pidió y lo que este proyecto ofrece en su lugar:",
    "readme_stub": "simulación",
    "readme_substitution": "sustitución",
    "readme_layout": "Estructura del proyecto",
    "readme_prompt": "Descripción original",
    "layout_main": "aplicación FastAPI, manejo de errores, routers",
    "layout_database": "motor, sesiones, DATABASE_URL",
    "layout_models": "tablas de la base de datos (SQLAlchemy)",
    "layout_schemas": "cuerpos de petición y respuesta, validación",
    "layout_crud": "búsquedas y comprobaciones compartidas",
    "layout_errors": "la forma JSON de los errores",
    "layout_routers": "un módulo de API por entidad",
    "layout_stats": "los números de los gráficos del panel",
    "layout_export": "exportación a CSV de las listas",
    "layout_sample_data": "registros de ejemplo del primer arranque",
    "layout_pages": "páginas HTML",
    "layout_templates": "el HTML de las páginas",
    "layout_static": "app.js, charts.js, styles.css",
    "layout_tests": "pruebas con pytest",
}

# A shop's cart and Stripe Checkout (apps with a priced product).
_PAYMENTS_EN: dict[str, str] = {
    "add_to_cart": "Add to cart",
    "cart": "Cart",
    "cart_empty": "The cart is empty: add products from the list.",
    "cart_total": "Total",
    "cart_email": "E-mail for the receipt (optional)",
    "cart_pay": "Pay",
    "cart_remove": "Remove",
    "cart_quantity": "Quantity of {name}",
    "cart_added": "{name} added to the cart.",
    "cart_paying": "Taking you to the payment page…",
    "order_paid": "Order #{id} is paid. Thank you!",
    "order_waiting": "Order #{id}: waiting for the payment's confirmation…",
    "order_unpaid": "Order #{id} is recorded, unpaid.",
    "api_payments_off": (
        "Payments are not configured (no STRIPE_SECRET_KEY): the order was recorded, unpaid."
    ),
    "api_pay_on_stripe": "Pay on Stripe's page to complete the order.",
    "api_no_price": "{name} has no price yet, so it cannot be bought.",
    "api_provider_error": "The payment provider could not start the payment: {error}",
    "api_webhook_off": "Payments are not configured (no STRIPE_WEBHOOK_SECRET): the event was not read.",
    "api_bad_signature": "The Stripe-Signature header is missing, wrong or too old.",
}
_PAYMENTS_ES: dict[str, str] = {
    "add_to_cart": "Añadir al carrito",
    "cart": "Carrito",
    "cart_empty": "El carrito está vacío: añade productos desde la lista.",
    "cart_total": "Total",
    "cart_email": "Correo para el recibo (opcional)",
    "cart_pay": "Pagar",
    "cart_remove": "Quitar",
    "cart_quantity": "Cantidad de {name}",
    "cart_added": "{name} añadido al carrito.",
    "cart_paying": "Te llevamos a la página de pago…",
    "order_paid": "El pedido n.º {id} está pagado. ¡Gracias!",
    "order_waiting": "Pedido n.º {id}: esperando la confirmación del pago…",
    "order_unpaid": "El pedido n.º {id} está registrado, sin pagar.",
    "api_payments_off": (
        "Los pagos no están configurados (falta STRIPE_SECRET_KEY): el pedido se ha guardado sin pagar."
    ),
    "api_pay_on_stripe": "Paga en la página de Stripe para completar el pedido.",
    "api_no_price": "{name} todavía no tiene precio, así que no se puede comprar.",
    "api_provider_error": "El proveedor de pagos no pudo iniciar el pago: {error}",
    "api_webhook_off": (
        "Los pagos no están configurados (falta STRIPE_WEBHOOK_SECRET): el evento no se ha leído."
    ),
    "api_bad_signature": "La cabecera Stripe-Signature falta, es incorrecta o es demasiado antigua.",
}

# Validation messages the API itself sends (app/errors.py maps pydantic's error types to them), and
# the notes of what a request asked for; `{names}` come from the error's ctx.
_VALIDATION_EN: dict[str, str] = {
    "err_text": "Enter text.",
    "err_greater": "Enter a number greater than {gt}.",
    "err_max": "Enter {le} or less.",
    "err_less": "Enter a number less than {lt}.",
    "err_too_few": "Send at least {min_length} item(s).",
    "err_json": "The request body is not valid JSON.",
    "err_object": "Send a JSON object.",
    "err_list": "Send a list.",
    "err_invalid": "This value is not valid.",
    "integration_asked": 'asked for as "{words}"',
    "integration_implied": "implied by the kind of app",
    "integration_tool": "not generated offline: the {tool} itself needs a model; this app keeps its records",
}
_VALIDATION_ES: dict[str, str] = {
    "err_text": "Introduce un texto.",
    "err_greater": "Introduce un número mayor que {gt}.",
    "err_max": "Introduce {le} o menos.",
    "err_less": "Introduce un número menor que {lt}.",
    "err_too_few": "Envía al menos {min_length} elemento(s).",
    "err_json": "El cuerpo de la petición no es JSON válido.",
    "err_object": "Envía un objeto JSON.",
    "err_list": "Envía una lista.",
    "err_invalid": "Este valor no es válido.",
    "integration_asked": "pedido como «{words}»",
    "integration_implied": "implícito en el tipo de app",
    "integration_tool": (
        "no incluido en la generación offline: «{tool}» en sí necesita un modelo; "
        "esta app guarda sus registros"
    ),
}

# The activities (a prize wheel, a quiz, word games) and the progress they add up to.
_ACTIVITIES_EN: dict[str, str] = {
    "activity_start": "Start",
    "activity_check": "Check",
    "activity_next": "Next",
    "activity_again": "Play again",
    "activity_correct": "Correct!",
    "activity_wrong": "Not quite.",
    "activity_answer_was": "The answer was: {answer}",
    "activity_score": "Your score: {score} of {total}",
    "activity_saved": "Your result is saved: see the progress on the dashboard.",
    "activity_empty": "There is nothing to play with yet: add some {label} first.",
    "activity_flip": "Show the definition",
    "activity_knew": "I knew it",
    "activity_didnt": "I didn't know it",
    "activity_hint": "Hint: {hint}",
    "activity_your_answer": "Your answer",
    "activity_synonym_of": "Choose a synonym of “{word}”",
    "activity_antonym_of": "Choose an antonym of “{word}”",
    "activity_spin": "Spin",
    "activity_spinning": "Spinning…",
    "activity_won": "You won: {prize}!",
    "activity_nothing_left": "There is nothing left to win: every prize has been given away.",
    "activity_wins": "Latest wins",
    "activity_no_wins": "No wins yet: spin the wheel!",
    "activity_player": "Your name (optional)",
    "activity_login_to_spin": "Log in to spin the wheel.",
    "activity_across": "Across",
    "activity_down": "Down",
    "activity_reveal": "Show the answers",
    "activity_progress": "Progress",
    "activity_plays": "Games played",
    "activity_average": "Average score",
    "activity_best": "Best score",
    "activity_no_plays": "No games played yet: your progress will show here.",
    "activity_question_of": "{n} of {total}",
    "activity_left": "{n} left",
    "activity_unlimited": "unlimited",
    "activity_shuffle": "Shuffle",
    "activity_score_over_total": "The score cannot be greater than the total.",
    "activity_guest": "Guest",
    "activity_name": "Activity",
    "readme_activities": (
        "Activities: {games}. Each plays with the app's records (or on its own board); a prize wheel's "
        "pick is made by the server, and every finished game stores its score (`/api/activities`), "
        "summed up on the dashboard."
    ),
    "layout_activities": "the games' results, leaderboard, progress and prize wheel",
    "activity_leaderboard": "Leaderboard",
    "activity_anonymous": "Anonymous",
    "activity_newest": "The {n} newest words",
    "activity_points": "Points: {n}",
    "activity_best_points": "Best: {n}",
    "activity_game_over": "Game over: {n} points.",
    "activity_new_game": "New game",
    "activity_revive": "Revive and go on",
    "activity_move": "Move {direction}",
    "activity_up": "up",
    "activity_down_move": "down",
    "activity_left_move": "left",
    "activity_right": "right",
    "activity_arrows": "Use the arrow keys or the buttons: tiles with the same number merge.",
    "activity_your_turn": "Your turn: you are X.",
    "activity_you_won": "You won!",
    "activity_you_lost": "The computer won.",
    "activity_draw": "A draw.",
    "activity_cell": "Row {row}, column {col}",
}
_ACTIVITIES_ES: dict[str, str] = {
    "activity_start": "Empezar",
    "activity_check": "Comprobar",
    "activity_next": "Siguiente",
    "activity_again": "Jugar otra vez",
    "activity_correct": "¡Correcto!",
    "activity_wrong": "No es correcto.",
    "activity_answer_was": "La respuesta era: {answer}",
    "activity_score": "Tu puntuación: {score} de {total}",
    "activity_saved": "Tu resultado se ha guardado: mira el progreso en el panel.",
    "activity_empty": "Todavía no hay nada con lo que jugar: añade antes {label}.",
    "activity_flip": "Ver la definición",
    "activity_knew": "Me la sabía",
    "activity_didnt": "No me la sabía",
    "activity_hint": "Pista: {hint}",
    "activity_your_answer": "Tu respuesta",
    "activity_synonym_of": "Elige un sinónimo de «{word}»",
    "activity_antonym_of": "Elige un antónimo de «{word}»",
    "activity_spin": "Girar",
    "activity_spinning": "Girando…",
    "activity_won": "Has ganado: {prize}",
    "activity_nothing_left": "No queda nada por ganar: se han repartido todos los premios.",
    "activity_wins": "Últimos premios ganados",
    "activity_no_wins": "Aún no hay premios ganados: ¡gira la ruleta!",
    "activity_player": "Tu nombre (opcional)",
    "activity_login_to_spin": "Inicia sesión para girar la ruleta.",
    "activity_across": "Horizontales",
    "activity_down": "Verticales",
    "activity_reveal": "Ver las respuestas",
    "activity_progress": "Progreso",
    "activity_plays": "Partidas jugadas",
    "activity_average": "Puntuación media",
    "activity_best": "Mejor puntuación",
    "activity_no_plays": "Aún no se ha jugado ninguna partida: aquí verás tu progreso.",
    "activity_question_of": "{n} de {total}",
    "activity_left": "quedan {n}",
    "activity_unlimited": "sin límite",
    "activity_shuffle": "Mezclar",
    "activity_score_over_total": "La puntuación no puede ser mayor que el total.",
    "activity_guest": "Invitado",
    "activity_name": "Actividad",
    "readme_activities": (
        "Actividades: {games}. Cada una juega con los registros de la app (o en su propio tablero); "
        "el premio de una ruleta lo elige el servidor, y cada partida terminada guarda su puntuación "
        "(`/api/activities`), resumida en el panel."
    ),
    "layout_activities": "resultados, clasificación y progreso de los juegos, y la ruleta de premios",
    "activity_leaderboard": "Clasificación",
    "activity_anonymous": "Anónimo",
    "activity_newest": "Las {n} palabras más nuevas",
    "activity_points": "Puntos: {n}",
    "activity_best_points": "Récord: {n}",
    "activity_game_over": "Fin de la partida: {n} puntos.",
    "activity_new_game": "Nueva partida",
    "activity_revive": "Revivir y seguir",
    "activity_move": "Mover hacia {direction}",
    "activity_up": "arriba",
    "activity_down_move": "abajo",
    "activity_left_move": "la izquierda",
    "activity_right": "la derecha",
    "activity_arrows": "Usa las flechas del teclado o los botones: las fichas con el mismo número se unen.",
    "activity_your_turn": "Te toca: eres la X.",
    "activity_you_won": "¡Has ganado!",
    "activity_you_lost": "Ha ganado el ordenador.",
    "activity_draw": "Empate.",
    "activity_cell": "Fila {row}, columna {col}",
}

STRINGS: Mapping[Language, Mapping[str, str]] = MappingProxyType(
    {
        "en": MappingProxyType({**_EN, **_PAYMENTS_EN, **_VALIDATION_EN, **_ACTIVITIES_EN}),
        "es": MappingProxyType({**_ES, **_PAYMENTS_ES, **_VALIDATION_ES, **_ACTIVITIES_ES}),
    }
)


def text(language: Language, key: str, **values: object) -> str:
    """The final text of `key`, with `values` put in."""
    template = STRINGS[language][key]
    return template.format(**values) if values else template


def message(language: Language, key: str, **known: str) -> str:
    """A `str.format` template of `key` with the `known` values put in and the others left open."""
    template = STRINGS[language][key]
    for name, value in known.items():
        template = template.replace("{" + name + "}", value.replace("{", "{{").replace("}", "}}"))
    return template
