"""Texts of the public booking steps (/boka): who, when, details, confirmation."""

SV = {
    "public_step": "Steg {number} av 4",
    "public_step1_title": "Vem bokar, och vilken rådgivning?",
    "public_step2_title": "Välj mötesform och tid",
    "public_step3_title": "Dina uppgifter",
    "public_step4_title": "Din tid är bokad",
    "public_continue": "Fortsätt",
    "public_book": "Boka tiden",
    "public_change": "Ändra",
    "public_change_time": "Ändra tid",
    # Step 1
    "public_kind_legend": "Bokar du som privatperson eller för ett företag?",
    "public_kind_private": "Privatperson",
    "public_kind_company": "Företag eller enskild firma",
    "public_kind_company_hint": "Företag har egna handläggare.",
    "public_org_label": "Organisationsnummer (bara för företag)",
    "public_org_hint": (
        "10 siffror, till exempel 556036-0793. Har du enskild firma kan du ange ditt "
        "personnummer i stället."
    ),
    "public_type_legend": "Vad vill du ha råd om?",
    "public_type_minutes": "Möte på {minutes} minuter.",
    "meeting_type_bygglovsradgivning": "Bygglovsrådgivning",
    "meeting_type_bygglovsradgivning_hint": (
        "Inför en ansökan: vad som kräver lov, vilka handlingar som behövs. {minutes} minuter."
    ),
    "meeting_type_arendefragor": "Frågor om ett pågående ärende",
    "meeting_type_arendefragor_hint": (
        "Du har redan sökt och vill veta hur det går eller komplettera. {minutes} minuter."
    ),
    "error_kind_required": "Välj om du bokar som privatperson eller för ett företag.",
    "error_type_required": "Välj vad du vill ha råd om.",
    "error_type_unknown": "Välj en av rådgivningarna i listan.",
    "error_type_not_for_kind": (
        "Den här rådgivningen går inte att boka för det du valt. Välj en annan."
    ),
    "error_org_required": "Ange organisationsnummer (eller personnummer för enskild firma).",
    "error_org_invalid": (
        "Organisationsnumret stämmer inte. Ange 10 siffror, till exempel 556036-0793, eller "
        "personnummer för enskild firma."
    ),
    # Step 2
    "public_chosen_legend": "Du har valt",
    "public_kind_term": "Bokar som",
    "public_type_term": "Rådgivning",
    "public_time_term": "Tid",
    "public_mode_term": "Mötesform",
    "public_reference_term": "Bokningsnummer",
    "public_mode_legend": "Hur vill du träffas?",
    "mode_phone": "Telefon",
    "mode_phone_hint": "Handläggaren ringer upp dig.",
    "mode_video": "Video",
    "mode_video_hint": "Du får en länk till videomötet i bekräftelsen.",
    "mode_in_person": "På kontoret",
    "mode_in_person_hint": "Du träffar handläggaren på bygglovsavdelningen.",
    "public_time_heading": "Välj en tid",
    "public_time_intro": "Tiderna är svensk tid. Välj först mötesform ovan, sedan en tid.",
    "public_first_free_notice": "Första lediga tid är {time}.",
    "public_first_free_choose": "Välj första lediga tid",
    "public_no_free_times": (
        "Det finns inga lediga tider just nu. Ring servicecentret, så hjälper vi dig."
    ),
    "error_mode_required": "Välj hur du vill träffas.",
    # Step 3
    "public_details_intro": "Fyll i dina uppgifter så att handläggaren kan förbereda mötet.",
    "public_name_label": "Namn",
    "public_name_company_label": "Kontaktperson",
    "public_email_label": "E-postadress",
    "public_email_hint": "Hit skickar vi bekräftelsen och påminnelser.",
    "public_phone_label": "Telefonnummer",
    "public_phone_hint": "Till exempel 070-123 45 67. Vi kan skicka påminnelser med sms.",
    "public_phone_hint_required": "Handläggaren ringer dig på det här numret.",
    "public_property_label": "Fastighetsbeteckning",
    "public_property_hint": "Till exempel SJÖDALEN 1:1. Finns på kommunens karta.",
    "public_case_label": "Ärendenummer",
    "public_case_hint": "Om du redan har ett ärende hos oss.",
    "public_description_label": "Vad vill du ha råd om?",
    "public_description_hint": "Beskriv kort ditt projekt, högst {max} tecken.",
    "public_privacy_text": "Vi sparar uppgifterna för att kunna ge dig rådgivning.",
    "public_privacy_link": "Så hanterar vi dina personuppgifter",
    "error_name_required": "Ange ditt namn.",
    "error_name_invalid": "Namnet innehåller tecken som inte går att använda.",
    "error_email_required": "Ange din e-postadress, så att vi kan skicka bekräftelsen.",
    "error_email_invalid": "Ange en giltig e-postadress, till exempel namn@exempel.se.",
    "error_phone_required": "Ange ditt telefonnummer, handläggaren ringer dig.",
    "error_phone_invalid": "Ange ett giltigt telefonnummer med riktnummer.",
    "error_too_long": "Texten är för lång: högst {max} tecken.",
    "error_text_invalid": "Texten innehåller tecken som inte går att använda.",
    "error_start_required": "Välj en av tiderna.",
    "error_details_generic": "Uppgifterna kunde inte sparas. Kontrollera dem och försök igen.",
    "public_taken_title": "Tiden du valde, {time}, är inte längre ledig",
    "public_taken_text": (
        "Dina uppgifter finns kvar. Välj en av de närmaste lediga tiderna nedan och boka igen, "
        "eller välj en annan tid."
    ),
    "public_taken_none": (
        "Det finns inga andra lediga tider just nu. Välj en annan vecka eller ring servicecentret."
    ),
    "public_taken_legend": "Närmaste lediga tider",
    "public_other_time": "Välj en annan tid",
    # Step 4
    "public_done_lead": "Tack! Vi har bokat din tid. Spara bokningsnumret.",
    "public_reference_hint": "Uppge bokningsnumret om du ringer oss.",
    "public_next_heading": "Vad händer nu?",
    "public_next_email": "Du får en bekräftelse med e-post nu.",
    "public_next_reminders": "Vi påminner dig före mötet:",
    "public_next_reminder_email": "med e-post {time}",
    "public_next_reminder_sms": "med sms {time}",
    "public_next_no_reminder": "Vi skickar ingen påminnelse före det här mötet.",
    "public_next_phone": "Handläggaren ringer dig på {phone} vid mötets början.",
    "public_next_video": "Länken till videomötet finns i bekräftelsen.",
    "public_next_in_person": "Anmäl dig i receptionen på bygglovsavdelningen.",
    "public_add_to_calendar": "Lägg till i kalendern",
    "public_manage": "Flytta eller avboka din tid",
    "public_book_another": "Boka en tid till",
    "public_done_missing_title": "Ingen bokning att visa",
    "public_done_missing_text": (
        "Vi hittar ingen ny bokning i den här webbläsaren. Har du bokat finns allt i "
        "bekräftelsen vi skickade med e-post."
    ),
}

EN = {
    "public_step": "Step {number} of 4",
    "public_step1_title": "Who is booking, and what kind of advice?",
    "public_step2_title": "Choose how to meet and a time",
    "public_step3_title": "Your details",
    "public_step4_title": "Your time is booked",
    "public_continue": "Continue",
    "public_book": "Book the time",
    "public_change": "Change",
    "public_change_time": "Change time",
    # Step 1
    "public_kind_legend": "Are you booking as a private person or for a company?",
    "public_kind_private": "Private person",
    "public_kind_company": "Company or sole trader",
    "public_kind_company_hint": "Companies have their own officers.",
    "public_org_label": "Organisation number (companies only)",
    "public_org_hint": (
        "10 digits, for example 556036-0793. A sole trader may give their personal identity "
        "number instead."
    ),
    "public_type_legend": "What would you like advice on?",
    "public_type_minutes": "A meeting of {minutes} minutes.",
    "meeting_type_bygglovsradgivning": "Building permit advice",
    "meeting_type_bygglovsradgivning_hint": (
        "Before you apply: what needs a permit, which documents are needed. {minutes} minutes."
    ),
    "meeting_type_arendefragor": "Questions about an open case",
    "meeting_type_arendefragor_hint": (
        "You have already applied and want to know how it is going or add something. "
        "{minutes} minutes."
    ),
    "error_kind_required": "Choose whether you are booking as a private person or for a company.",
    "error_type_required": "Choose what you would like advice on.",
    "error_type_unknown": "Choose one of the kinds of advice in the list.",
    "error_type_not_for_kind": (
        "This kind of advice cannot be booked for your choice. Choose another."
    ),
    "error_org_required": (
        "Enter the organisation number (or personal identity number for a sole trader)."
    ),
    "error_org_invalid": (
        "The organisation number is not valid. Enter 10 digits, for example 556036-0793, or a "
        "sole trader's personal identity number."
    ),
    # Step 2
    "public_chosen_legend": "You have chosen",
    "public_kind_term": "Booking as",
    "public_type_term": "Advice",
    "public_time_term": "Time",
    "public_mode_term": "How to meet",
    "public_reference_term": "Booking reference",
    "public_mode_legend": "How would you like to meet?",
    "mode_phone": "Phone",
    "mode_phone_hint": "The officer calls you.",
    "mode_video": "Video",
    "mode_video_hint": "The confirmation has a link to the video meeting.",
    "mode_in_person": "At the office",
    "mode_in_person_hint": "You meet the officer at the building permit department.",
    "public_time_heading": "Choose a time",
    "public_time_intro": "Times are Swedish time. First choose how to meet above, then a time.",
    "public_first_free_notice": "The first free time is {time}.",
    "public_first_free_choose": "Choose the first free time",
    "public_no_free_times": (
        "There are no free times right now. Call the service center and we will help you."
    ),
    "error_mode_required": "Choose how you would like to meet.",
    # Step 3
    "public_details_intro": "Fill in your details so that the officer can prepare the meeting.",
    "public_name_label": "Name",
    "public_name_company_label": "Contact person",
    "public_email_label": "E-mail address",
    "public_email_hint": "We send the confirmation and reminders here.",
    "public_phone_label": "Phone number",
    "public_phone_hint": "For example 070-123 45 67. We may send reminders by SMS.",
    "public_phone_hint_required": "The officer calls you on this number.",
    "public_property_label": "Property designation",
    "public_property_hint": "For example SJÖDALEN 1:1. You find it on the municipality's map.",
    "public_case_label": "Case number",
    "public_case_hint": "If you already have a case with us.",
    "public_description_label": "What would you like advice on?",
    "public_description_hint": "Describe your project briefly, at most {max} characters.",
    "public_privacy_text": "We keep these details to be able to advise you.",
    "public_privacy_link": "How we handle your personal data",
    "error_name_required": "Enter your name.",
    "error_name_invalid": "The name contains characters that cannot be used.",
    "error_email_required": "Enter your e-mail address so that we can send the confirmation.",
    "error_email_invalid": "Enter a valid e-mail address, for example name@example.com.",
    "error_phone_required": "Enter your phone number: the officer will call you.",
    "error_phone_invalid": "Enter a valid phone number including the area code.",
    "error_too_long": "The text is too long: at most {max} characters.",
    "error_text_invalid": "The text contains characters that cannot be used.",
    "error_start_required": "Choose one of the times.",
    "error_details_generic": "The details could not be saved. Check them and try again.",
    "public_taken_title": "The time you chose, {time}, is no longer free",
    "public_taken_text": (
        "Your details are kept. Choose one of the nearest free times below and book again, or "
        "choose another time."
    ),
    "public_taken_none": (
        "There are no other free times right now. Choose another week or call the service center."
    ),
    "public_taken_legend": "Nearest free times",
    "public_other_time": "Choose another time",
    # Step 4
    "public_done_lead": "Thank you! Your time is booked. Keep the booking reference.",
    "public_reference_hint": "Give the booking reference if you call us.",
    "public_next_heading": "What happens next?",
    "public_next_email": "You get a confirmation by e-mail now.",
    "public_next_reminders": "We remind you before the meeting:",
    "public_next_reminder_email": "by e-mail on {time}",
    "public_next_reminder_sms": "by SMS on {time}",
    "public_next_no_reminder": "We send no reminder before this meeting.",
    "public_next_phone": "The officer calls you on {phone} when the meeting starts.",
    "public_next_video": "The link to the video meeting is in the confirmation.",
    "public_next_in_person": "Report to the reception of the building permit department.",
    "public_add_to_calendar": "Add to calendar",
    "public_manage": "Move or cancel your booking",
    "public_book_another": "Book another time",
    "public_done_missing_title": "No booking to show",
    "public_done_missing_text": (
        "We find no new booking in this browser. If you have booked, everything is in the "
        "confirmation we sent by e-mail."
    ),
}
