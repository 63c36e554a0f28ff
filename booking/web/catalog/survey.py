"""Texts of the survey page (enkät): the three NKI questions after a meeting."""

SV = {
    "survey_title": "Vad tyckte du om ditt möte?",
    "survey_lead": (
        "Tre korta frågor om ditt möte med bygglovsavdelningen. Dina svar hjälper oss att bli "
        "bättre. Svara på en skala från 1 till 10."
    ),
    "survey_q_overall": "Hur nöjd är du sammantaget med den hjälp du fick?",
    "survey_q_expectations": "Hur väl motsvarade mötet dina förväntningar?",
    "survey_q_ideal": "Hur nära en perfekt service kom mötet?",
    "survey_scale_hint": "1 betyder {low}, 10 betyder {high}.",
    "survey_q_overall_low": "mycket missnöjd",
    "survey_q_overall_high": "mycket nöjd",
    "survey_q_expectations_low": "inte alls",
    "survey_q_expectations_high": "helt och hållet",
    "survey_q_ideal_low": "mycket långt ifrån",
    "survey_q_ideal_high": "mycket nära",
    "survey_scale_end": "{value} – {text}",
    "survey_comment": "Vill du säga något mer?",
    "survey_comment_hint": "Frivilligt. Skriv inga personnummer.",
    "survey_submit": "Skicka svaren",
    "survey_error_missing": "Välj ett svar från 1 till 10.",
    "survey_error_range": "Svaret måste vara en siffra från 1 till 10.",
    "survey_error_too_long": "Texten får vara högst 2000 tecken.",
    "survey_thanks_title": "Tack för dina svar!",
    "survey_thanks_body": "Vi har tagit emot dina svar. De hjälper oss att bli bättre.",
    "survey_gone_title": "Länken fungerar inte längre",
    "survey_gone_used": "Enkäten är redan besvarad. Varje länk kan bara användas en gång.",
    "survey_gone_expired": "Länken har gått ut. Den gällde i {days} dagar från inbjudan.",
    "survey_gone_unknown": (
        "Vi hittar ingen enkät för den här länken. Kontrollera att hela länken kom med."
    ),
    "survey_gone_back": "Till startsidan",
}

EN = {
    "survey_title": "What did you think of your meeting?",
    "survey_lead": (
        "Three short questions about your meeting with the building permit department. Your "
        "answers help us improve. Answer on a scale from 1 to 10."
    ),
    "survey_q_overall": "Overall, how satisfied are you with the help you got?",
    "survey_q_expectations": "How well did the meeting meet your expectations?",
    "survey_q_ideal": "How close did the meeting come to an ideal service?",
    "survey_scale_hint": "1 means {low}, 10 means {high}.",
    "survey_q_overall_low": "very dissatisfied",
    "survey_q_overall_high": "very satisfied",
    "survey_q_expectations_low": "not at all",
    "survey_q_expectations_high": "completely",
    "survey_q_ideal_low": "very far from it",
    "survey_q_ideal_high": "very close",
    "survey_scale_end": "{value} – {text}",
    "survey_comment": "Is there anything else you would like to tell us?",
    "survey_comment_hint": "Optional. Do not write any personal identity numbers.",
    "survey_submit": "Send the answers",
    "survey_error_missing": "Choose an answer from 1 to 10.",
    "survey_error_range": "The answer must be a number from 1 to 10.",
    "survey_error_too_long": "The text can be at most 2000 characters.",
    "survey_thanks_title": "Thank you for your answers!",
    "survey_thanks_body": "We have received your answers. They help us improve.",
    "survey_gone_title": "The link no longer works",
    "survey_gone_used": "The survey has already been answered. Each link can be used only once.",
    "survey_gone_expired": (
        "The link has expired. It was valid for {days} days from the invitation."
    ),
    "survey_gone_unknown": (
        "We cannot find a survey for this link. Check that the whole link came along."
    ),
    "survey_gone_back": "To the start page",
}
