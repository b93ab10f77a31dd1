"""A demo province modelled on Đắk Lắk, with synthetic responses, for trying the platform."""
