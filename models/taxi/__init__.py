"""Chicago taxi use case: will this trip's tip exceed 20% of the fare?"""
