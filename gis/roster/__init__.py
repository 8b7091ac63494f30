"""The roster (格中有人): the people of every grid and their duties on areas.

Pure rules: the duties and their names (`duties`), people, phones and roster rows (`people`),
roster files (`files`), and what an imported roster changes (`changes`).
"""
