"""Example questions the chat offers: per audience on the empty page, and after a refusal.

Content, not markup: kept apart from render.py so editing the examples never touches HTML code.
"""

AUDIENCE_EXAMPLES: dict[str, tuple[str, ...]] = {
    "Students": (
        "When was South Korea removed from the white list?",
        "Which three items did Japan move to individual licences on 4 July 2019?",
        "What happened to the WTO case DS590?",
    ),
    "Exporters and SMEs": (
        "Is South Korea in Group A?",
        "Which row of Appended Table 1 covers resist?",
        "What records does an exporter have to keep?",
    ),
    "Trainers": (
        "What is the difference between Group A and Group B?",
        "How did South Korea respond to Japan's 2019 measures?",
        "What are the penalties for exporting without a licence?",
    ),
}
REFUSAL_SUGGESTIONS = (
    "When was South Korea removed from the white list?",
    "Which three items did Japan move to individual licences on 4 July 2019?",
    "What happened to the WTO case DS590?",
)
