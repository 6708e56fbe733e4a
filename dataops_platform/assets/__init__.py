"""Asset factories: dataset declarations -> intake, bronze, silver, quarantine and gold assets."""
