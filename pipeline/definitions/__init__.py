"""The two pipeline definitions (training, batch evaluation), one each for every runner, and their names."""
