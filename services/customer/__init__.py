"""The customer service: customers, contacts, leads, activities, complaints, imports."""
