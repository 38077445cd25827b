"""gridpatrol: field inspection for county civilized-city campaigns."""
