"""The architect's forms: a survey that is the description's main thing becomes its responses
(questions by topic, EN and ES), request-like records get a form page, a home-page form is put on
the home page; descriptions that only mention a survey, or none, get nothing of the kind."""

from __future__ import annotations

import json
import re

import pytest

from autocrea.blueprint.amendment import SetFeature, amend
from autocrea.blueprint.architect import design
from autocrea.blueprint.render import render_project
from autocrea.domain.appspec import AppSpec, EntitySpec

HEALTH = (
    "Please implement a health survey website for women to fill out and submit health information. "
    "The website should have functionalities for filling out the survey, and submitting information. "
    "The system will automatically collect the information and provide data management, permission "
    "management, data review, and reporting functions. Use whitesmoke as the default background."
)
GOLF = (
    "Please implement a golf travel package booking website. The website should have functionalities "
    "for customer request handling, booking confirmation and supplier management. Users can initiate "
    "requests through the website homepage form submission, and the system will collect information "
    "based on customer preferences and dynamically apply hotel, flight, transport, and golf conditions."
)


def _forms(spec: AppSpec) -> list[EntitySpec]:
    return [spec.entity(p.entity) for p in spec.pages if p.kind == "form" and p.entity]


def test_a_health_survey_is_its_responses_whose_fields_are_the_questions() -> None:
    spec = design(HEALTH).spec
    assert [e.name for e in spec.entities] == ["HealthSurveyResponse"]  # no Woman, no bare Survey
    response = spec.entities[0]
    assert response.label == "Health survey response"
    fields = {f.name: f for f in response.fields}
    assert fields["age"].type == "integer" and fields["age"].required
    assert fields["weight_kg"].type == "decimal"
    assert fields["general_health"].choices == ("Poor", "Fair", "Good", "Very good", "Excellent")
    assert fields["smoker"].type == "boolean"
    assert not fields["respondent_name"].required and not fields["email"].required
    assert _forms(spec) == [response]
    assert any(p.kind == "entity" and p.entity == response.name for p in spec.pages)  # the answers' list
    assert "auth" in spec.features and "dashboard" in spec.features
    enums = {f.name for f in response.fields if f.type in ("enum", "boolean")}
    assert {c.group_by for c in spec.charts} == enums  # one chart per choice question
    assert all(c.entity == response.name and c.metric == "count" for c in spec.charts)


@pytest.mark.parametrize(
    ("prompt", "name", "question"),
    [
        (
            "Una encuesta de satisfacción para los clientes de un restaurante, con informes",
            "SatisfactionSurveyResponse",
            "Valoración general",
        ),
        (
            "Un cuestionario de evaluación del curso para los alumnos",
            "CourseEvaluation",
            "Calidad de la docencia",
        ),
        ("A feedback survey for attendees of our conference", "EventFeedbackResponse", "Would attend again"),
        (
            "An employee engagement survey for our staff with statistics",
            "EmployeeSurveyResponse",
            "Job satisfaction",
        ),
        ("A simple survey website where people can answer and submit", "SurveyResponse", "Rating"),
    ],
)
def test_the_survey_topic_comes_from_the_words(prompt: str, name: str, question: str) -> None:
    spec = design(prompt).spec
    assert spec.entities[0].name == name
    assert question in [f.label for f in spec.entities[0].fields]
    page = next(p for p in spec.pages if p.kind == "form")
    assert page.entity == name
    assert page.title == ("Responder la encuesta" if spec.language == "es" else "Take the survey")


def test_reports_of_a_spanish_survey_chart_its_answers() -> None:
    spec = design(
        "Una encuesta de satisfacción para los clientes de un restaurante, con informes de las respuestas"
    ).spec
    assert spec.language == "es" and "dashboard" in spec.features
    assert [c.title for c in spec.charts] == [
        "Valoración general",
        "Grado de satisfacción",
        "Nos recomendaría",
    ]


@pytest.mark.parametrize(
    "prompt",
    [
        "A CRM with customers, deals and satisfaction surveys",
        "A library system with books, members and loans",
        "Una tienda online con productos, pedidos y clientes",
        "A clinic app to manage patients and appointments. Patients can fill out a survey after a visit.",
    ],
)
def test_a_survey_that_is_not_the_main_thing_gets_no_response_entity(prompt: str) -> None:
    spec = design(prompt).spec
    assert not any(e.name.endswith("SurveyResponse") for e in spec.entities)
    assert not any(p.kind == "form" for p in spec.pages)


def test_requests_from_the_home_page_form_make_a_request_with_the_preferences() -> None:
    spec = design(GOLF).spec
    request = spec.entity("Request")
    assert {"hotel", "flight", "transport", "golf"} <= {f.name for f in request.fields}
    assert request.field("email").required
    assert not any(e.name == "Handling" for e in spec.entities)  # "request handling" is no table
    home = next(p for p in spec.pages if p.kind == "home")
    assert home.entity == "Request"
    form = next(p for p in spec.pages if p.kind == "form")
    assert (form.entity, form.title) == ("Request", "Submit a request")


@pytest.mark.parametrize(
    ("prompt", "name", "title"),
    [
        ("A recruiting app with jobs and job applications", "JobApplication", "Submit a job application"),
        (
            "A conference website with talks, speakers and registrations",
            "Registration",
            "Submit a registration",
        ),
        (
            "Un sistema de solicitudes de mantenimiento para los vecinos",
            "SolicitudDeMantenimiento",
            "Enviar solicitud de mantenimiento",
        ),
    ],
)
def test_request_like_records_get_a_form_page_but_not_on_the_home_page(
    prompt: str, name: str, title: str
) -> None:
    spec = design(prompt).spec
    assert [e.name for e in _forms(spec)] == [name]
    assert next(p.title for p in spec.pages if p.kind == "form") == title
    assert any(p.kind == "entity" and p.entity == name for p in spec.pages)  # and its list
    assert next(p for p in spec.pages if p.kind == "home").entity is None


def test_spanish_requests_from_the_home_page_fill_the_named_solicitud() -> None:
    spec = design(
        "Una web de viajes de golf con paquetes y hoteles. Los clientes envían solicitudes desde el "
        "formulario de la página de inicio según sus preferencias de hotel, vuelo, transporte y golf"
    ).spec
    request = spec.entity("Solicitud")
    assert [f.label for f in request.fields][:2] == ["Nombre", "Correo electrónico"]
    assert {"hotel", "vuelo", "transporte", "golf"} <= {f.name for f in request.fields}
    assert next(p for p in spec.pages if p.kind == "home").entity == "Solicitud"
    assert next(p.title for p in spec.pages if p.kind == "form") == "Enviar solicitud"


def test_a_public_form_leaves_the_status_to_the_staff() -> None:
    files = render_project(design("A recruiting app with jobs and job applications").spec)
    form = files["app/templates/job-applications-form.html"]
    assert 'id="form-applicant_name"' in form and 'id="form-status"' not in form
    assert 'id="field-status"' in files["app/templates/job-applications.html"]  # the staff's editor has it


def test_a_change_keeps_the_survey_form_its_charts_and_the_home_form() -> None:
    survey = amend(design(HEALTH).spec, [SetFeature("export", True)])
    assert [p.entity for p in survey.pages if p.kind == "form"] == ["HealthSurveyResponse"]
    assert "pregnant" in {c.group_by for c in survey.charts}  # every yes/no question, not one
    golf = amend(design(GOLF).spec, [SetFeature("export", True)])
    assert next(p for p in golf.pages if p.kind == "home").entity == "Request"


def test_the_home_page_leads_to_the_survey_or_shows_the_request_form() -> None:
    survey_home = render_project(design(HEALTH).spec)["app/templates/index.html"]
    assert '<a class="button primary" href="/survey">Take the survey</a>' in survey_home
    assert 'id="public-form"' not in survey_home
    assert "data-count-url" not in survey_home  # visitors may not count the responses
    golf_home = render_project(design(GOLF).spec)["app/templates/index.html"]
    assert 'id="public-form"' in golf_home and 'id="form-hotel"' in golf_home
    assert 'class="button primary" href=' not in golf_home  # the form is there already


def test_a_form_page_and_a_home_page_with_a_form_give_their_script_the_entity() -> None:
    """The page's script takes the form over only with its entity's config (else its Send button
    stays disabled: found when the forms and activities branches met)."""
    pattern = re.compile(r'<script type="application/json" id="page-config">(.*?)</script>', re.S)
    survey_files = render_project(design(HEALTH).spec)
    config = json.loads(pattern.search(survey_files["app/templates/survey.html"]).group(1))
    assert config["kind"] == "form" and config["entity"]["api"] == "/api/health_survey_responses"
    golf_home = render_project(design(GOLF).spec)["app/templates/index.html"]
    assert json.loads(pattern.search(golf_home).group(1))["entity"]["api"] == "/api/requests"
