"""Study mode: quizzes built from the course material, and the case's timeline."""
