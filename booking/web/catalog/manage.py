"""Texts of the manage page (hantera bokning): see, move or cancel a booking from its link."""

SV = {
    "manage_title": "Din bokning",
    "manage_reference": "Bokningsnummer",
    "manage_time": "Tid",
    "manage_time_range": "{start}–{end}",
    "manage_mode": "Mötesform",
    "manage_mode_phone": "Telefonmöte: handläggaren ringer dig",
    "manage_mode_video": "Videomöte: du får en länk",
    "manage_mode_in_person": "Besök hos bygglovsavdelningen",
    "manage_meeting_type": "Typ av möte",
    "manage_status": "Status",
    "manage_status_confirmed": "Bokad",
    "manage_status_cancelled": "Avbokad",
    "manage_status_past": "Genomförd",
    "manage_officer": "Handläggare",
    "manage_officer_in_team": "{name}, {team}",
    "manage_property": "Fastighetsbeteckning",
    "manage_case_number": "Ärendenummer",
    "manage_description": "Det här vill du prata om",
    "manage_not_given": "Inte angivet",
    "manage_calendar": "Lägg till i din kalender (.ics-fil)",
    "manage_moved": (
        "Mötet är flyttat till {time}. En uppdaterad kalenderinbjudan och bekräftelse är på "
        "väg till dig."
    ),
    "manage_unchanged": "Du valde samma tid som förut. Bokningen är oförändrad.",
    "manage_cancelled_now": ("Mötet är avbokat. En bekräftelse på avbokningen är på väg till dig."),
    "manage_is_cancelled": (
        "Den här bokningen är avbokad och kan inte ändras. Vill du ha ett nytt möte får du "
        "boka en ny tid."
    ),
    "manage_is_past": (
        "Mötet har redan börjat eller ägt rum och kan inte längre flyttas eller avbokas."
    ),
    "manage_refused": "Det gick inte att ändra bokningen.",
    "manage_book_again": "Boka en ny tid",
    "manage_change_title": "Flytta mötet",
    "manage_change_lead": "Välj en annan tid. Din nuvarande tid gäller tills du har valt en ny.",
    "manage_move_button": "Välj en ny tid",
    "manage_cancel_title": "Avboka mötet",
    "manage_cancel_lead": (
        "Kan du inte komma? Avboka så att någon annan kan få tiden. Avbokningen går inte att ångra."
    ),
    "manage_cancel_reason": "Anledning till avbokningen",
    "manage_cancel_reason_hint": "Hjälper oss att bli bättre. Skriv inga personnummer.",
    "manage_cancel_reason_too_long": "Anledningen får vara högst 500 tecken.",
    "manage_cancel_reason_invalid": "Anledningen innehåller tecken som inte går att spara.",
    "manage_cancel_button": "Ja, avboka mötet",
    "move_title": "Välj en ny tid",
    "move_lead": (
        "Din nuvarande tid är {time}. Välj en ny tid nedan; tiden ändras först när du har valt."
    ),
    "move_back": "Tillbaka till bokningen utan att flytta",
    "move_taken": (
        "Tiden du valde hann bokas av någon annan. Din bokning är oförändrad. Välj en av de "
        "närmaste lediga tiderna, eller en annan tid i veckovyn."
    ),
    "move_nearest_title": "Närmaste lediga tider",
    "move_no_nearest": "Det finns inga lediga tider nära den du valde.",
    "move_bad_start": "Välj en av tiderna i listan.",
}

EN = {
    "manage_title": "Your booking",
    "manage_reference": "Booking reference",
    "manage_time": "Time",
    "manage_time_range": "{start}–{end}",
    "manage_mode": "Meeting form",
    "manage_mode_phone": "Phone meeting: the officer calls you",
    "manage_mode_video": "Video meeting: you will get a link",
    "manage_mode_in_person": "Visit at the building permit department",
    "manage_meeting_type": "Type of meeting",
    "manage_status": "Status",
    "manage_status_confirmed": "Booked",
    "manage_status_cancelled": "Cancelled",
    "manage_status_past": "Held",
    "manage_officer": "Officer",
    "manage_officer_in_team": "{name}, {team}",
    "manage_property": "Property designation",
    "manage_case_number": "Case number",
    "manage_description": "What you want to discuss",
    "manage_not_given": "Not given",
    "manage_calendar": "Add to your calendar (.ics file)",
    "manage_moved": (
        "The meeting has been moved to {time}. An updated calendar invite and confirmation are "
        "on their way to you."
    ),
    "manage_unchanged": "You chose the same time as before. The booking is unchanged.",
    "manage_cancelled_now": (
        "The meeting has been cancelled. A confirmation of the cancellation is on its way to you."
    ),
    "manage_is_cancelled": (
        "This booking has been cancelled and can no longer be changed. If you want a new "
        "meeting, please book a new time."
    ),
    "manage_is_past": (
        "The meeting has already started or taken place and can no longer be moved or cancelled."
    ),
    "manage_refused": "The booking could not be changed.",
    "manage_book_again": "Book a new time",
    "manage_change_title": "Move the meeting",
    "manage_change_lead": (
        "Choose another time. Your current time stays until you have chosen a new one."
    ),
    "manage_move_button": "Choose a new time",
    "manage_cancel_title": "Cancel the meeting",
    "manage_cancel_lead": (
        "Can't come? Cancel so that someone else can have the time. A cancellation cannot be "
        "undone."
    ),
    "manage_cancel_reason": "Reason for cancelling",
    "manage_cancel_reason_hint": "Helps us improve. Do not write any personal identity numbers.",
    "manage_cancel_reason_too_long": "The reason can be at most 500 characters.",
    "manage_cancel_reason_invalid": "The reason contains characters that cannot be saved.",
    "manage_cancel_button": "Yes, cancel the meeting",
    "move_title": "Choose a new time",
    "move_lead": (
        "Your current time is {time}. Choose a new time below; nothing changes until you have "
        "chosen."
    ),
    "move_back": "Back to the booking without moving it",
    "move_taken": (
        "Someone else booked the time you chose just before you. Your booking is unchanged. "
        "Choose one of the nearest free times, or another time in the week view."
    ),
    "move_nearest_title": "Nearest free times",
    "move_no_nearest": "There are no free times near the one you chose.",
    "move_bad_start": "Choose one of the times in the list.",
}
