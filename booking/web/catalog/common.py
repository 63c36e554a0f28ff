"""Texts shared by every public page: layout, footer, errors, the start page, the statement."""

SV = {
    "service_name": "Bygglovsrådgivning",
    "municipality": "Bygglovsavdelningen",
    "skip_to_content": "Hoppa till innehållet",
    "language_switch_label": "Språk",
    "language_name_sv": "Svenska",
    "language_name_en": "English",
    "footer_contact": "Frågor? Ring kommunens servicecenter, vardagar 8–17.",
    "footer_accessibility": "Tillgänglighetsredogörelse",
    "footer_privacy": "Så hanterar vi dina personuppgifter",
    "error_title": "Något gick fel",
    "error_not_found": "Sidan finns inte, eller länken är inte längre giltig.",
    "error_bad_request": "Formuläret gick inte att skicka. Ladda om sidan och försök igen.",
    "error_form_expired": (
        "Formuläret hade gått ut eller skickades från en annan flik. Dina uppgifter sparades "
        "inte. Ladda om sidan och försök igen."
    ),
    "error_busy": "Tjänsten är upptagen just nu. Vänta en liten stund och försök igen.",
    "error_rate_limited": (
        "Det har kommit många förfrågningar från din uppkoppling på kort tid. Vänta en minut "
        "och försök igen."
    ),
    "error_generic": "Det gick inte att genomföra. Försök igen om en stund.",
    "error_back_home": "Till startsidan",
    "start_title": "Boka rådgivning om bygglov",
    "start_lead": (
        "Planerar du att bygga nytt, bygga till eller ändra något? Boka ett personligt möte med "
        "en bygglovshandläggare: per telefon, video eller på kontoret."
    ),
    "start_private": "Privatpersoner och företag har egna handläggare. Mötet är kostnadsfritt.",
    "start_cta": "Boka en tid",
    "start_manage": (
        "Har du redan bokat? Använd länken i bekräftelsen (e-post eller sms) för att flytta "
        "eller avboka."
    ),
    "accessibility_title": "Tillgänglighetsredogörelse",
    "privacy_title": "Så hanterar vi dina personuppgifter",
    "form_errors_title": "Rätta följande:",
    "error_prefix": "Fel:",
    "optional": "frivilligt",
    "week_nav_label": "Välj vecka",
    "week_previous": "Föregående vecka",
    "week_next": "Nästa vecka",
    "week_title": "Vecka {number}",
    "week_first_free": "Första lediga tid",
    "week_no_times": "Inga lediga tider",
    "week_empty": (
        "Det finns inga lediga tider den här veckan. Välj nästa vecka eller första lediga tid."
    ),
}

EN = {
    "service_name": "Building permit advice",
    "municipality": "Building permit department",
    "skip_to_content": "Skip to content",
    "language_switch_label": "Language",
    "language_name_sv": "Svenska",
    "language_name_en": "English",
    "footer_contact": "Questions? Call the municipal service center, weekdays 8–17.",
    "footer_accessibility": "Accessibility statement",
    "footer_privacy": "How we handle your personal data",
    "error_title": "Something went wrong",
    "error_not_found": "The page does not exist, or the link is no longer valid.",
    "error_bad_request": "The form could not be sent. Reload the page and try again.",
    "error_form_expired": (
        "The form had expired or was sent from another tab. Nothing was saved. Reload the page "
        "and try again."
    ),
    "error_busy": "The service is busy right now. Wait a moment and try again.",
    "error_rate_limited": (
        "There have been many requests from your connection in a short time. Wait a minute "
        "and try again."
    ),
    "error_generic": "That could not be done. Please try again in a little while.",
    "error_back_home": "Back to the start page",
    "start_title": "Book advice on building permits",
    "start_lead": (
        "Planning to build, extend or change something? Book a personal meeting with a building "
        "permit officer: by phone, by video or at the office."
    ),
    "start_private": "Private persons and companies have their own officers. The meeting is free.",
    "start_cta": "Book a time",
    "start_manage": (
        "Already booked? Use the link in your confirmation (e-mail or SMS) to move or cancel."
    ),
    "accessibility_title": "Accessibility statement",
    "privacy_title": "How we handle your personal data",
    "form_errors_title": "Please correct the following:",
    "error_prefix": "Error:",
    "optional": "optional",
    "week_nav_label": "Choose week",
    "week_previous": "Previous week",
    "week_next": "Next week",
    "week_title": "Week {number}",
    "week_first_free": "First free time",
    "week_no_times": "No free times",
    "week_empty": (
        "There are no free times this week. Choose the next week or the first free time."
    ),
}
