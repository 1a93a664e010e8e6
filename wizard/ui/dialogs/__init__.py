"""The dialogs (modal screens), apart from the step screens in wizard.ui.screens."""
